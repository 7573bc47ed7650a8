using CustomerVault.Consents;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Messages;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CustomerVault.Insights;

/// <summary>
/// Counts what a vendor's customers did, in one statement over the request and grant tables, the event table (renewals)
/// and the messages table: a vendor may have hundreds of thousands of customers, so nothing is loaded into memory, and
/// every part starts from the vendor's own rows (vendor_id is indexed on each table). Each figure comes with the number
/// of distinct customers behind it, which decides whether it may be shown.
/// </summary>
public sealed class VendorInsightsQuery(IDocumentStore store, NpgsqlDataSource dataSource, IOptions<InsightsOptions> options, IOptions<ConsentOptions> consents)
{
    /// <summary>Messages are capped per week, so they are judged over the last four weeks.</summary>
    public static readonly TimeSpan MessageWindow = TimeSpan.FromDays(28);

    /// <summary>"Keeps sharing" means not revoked within this long.</summary>
    public static readonly TimeSpan KeepSharingSpan = TimeSpan.FromDays(182);

    public int MinimumGroupSize => options.Value.MinimumGroupSize;

    public async Task<VendorInsights> ForVendorAsync(Guid vendorId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var from = now - options.Value.Window;
        var grants = store.TableOf<Grant>();
        var requests = store.TableOf<AccessRequest>();
        await using var command = dataSource.CreateCommand(
            $$"""
             WITH req AS (
                 SELECT customer_id, data ->> 'Status' AS status, (data ->> 'AnswerBy')::timestamptz AS answer_by,
                        jsonb_array_length(data -> 'Scopes') AS asked,
                        CASE WHEN jsonb_typeof(data -> 'ApprovedScopes') = 'array' THEN jsonb_array_length(data -> 'ApprovedScopes') ELSE 0 END AS approved
                 FROM {{requests}}
                 WHERE vendor_id = $1 AND (data ->> 'RequestedAt')::timestamptz BETWEEN $2 AND $3
             ), answered AS (
                 SELECT * FROM req WHERE status <> 'Pending' OR answer_by <= $3
             ), g AS (
                 SELECT id, customer_id, status, expires_at, data, (data ->> 'GrantedAt')::timestamptz AS granted_at,
                        CASE WHEN status = 'Expired' OR (status = 'Active' AND expires_at <= $3) THEN expires_at
                             WHEN status <> 'Active' THEN (data ->> 'EndedAt')::timestamptz END AS ended_at
                 FROM {{grants}}
                 WHERE vendor_id = $1
             ), ended AS (
                 SELECT g.*, g.ended_at + $4 AS due,
                        (SELECT min((d ->> 'ConfirmedAt')::timestamptz) FROM jsonb_array_elements(
                            CASE WHEN jsonb_typeof(g.data -> 'Deletions') = 'array' THEN g.data -> 'Deletions' ELSE '[]'::jsonb END) d
                         WHERE (d ->> 'Final')::boolean) AS confirmed_at
                 FROM g WHERE g.ended_at BETWEEN $2 AND $3
             ), deletions AS (
                 SELECT customer_id,
                        CASE WHEN confirmed_at <= due THEN 'on-time' WHEN confirmed_at > due THEN 'late' WHEN $3 > due THEN 'missing' END AS outcome
                 FROM ended
             ), cohort AS (
                 SELECT customer_id, NOT (status = 'Revoked' AND ended_at < granted_at + $6) AS kept
                 FROM g WHERE granted_at BETWEEN $2 - $6 AND $3 - $6
             ), renewals AS (
                 SELECT g.customer_id FROM g JOIN {{EventStoreSetup.Schema}}.mt_events e ON e.stream_id = g.id
                 WHERE e.type = 'grant_extended' AND (e.data ->> 'ExtendedAt')::timestamptz BETWEEN $2 AND $3
             ), sent AS (
                 SELECT customer_id, count(*) AS messages FROM {{MessageTable.Name}}
                 WHERE vendor_id = $1 AND sender = '{{Senders.Vendor}}' AND created_at BETWEEN $5 AND $3 GROUP BY customer_id
             ), caps AS (
                 SELECT customer_id, max((data -> 'ContactTerms' ->> 'MaxContactsPerWeek')::int) AS cap FROM g
                 WHERE status = 'Active' AND expires_at > $3 AND jsonb_typeof(data -> 'ContactTerms') = 'object' GROUP BY customer_id
             ), reports AS (
                 SELECT count(*) FILTER (WHERE sender = '{{Senders.Vendor}}') AS messages, count(reported_at) AS reported
                 FROM {{MessageTable.Name}} WHERE vendor_id = $1 AND created_at BETWEEN $2 AND $3
             )
             SELECT
                 (SELECT count(DISTINCT customer_id) FROM answered),
                 (SELECT count(*) FROM answered),
                 (SELECT count(*) FROM answered WHERE status = 'Approved' AND approved >= asked),
                 (SELECT count(*) FROM answered WHERE status = 'Approved' AND approved < asked),
                 (SELECT count(*) FROM answered WHERE status = 'Denied'),
                 (SELECT count(*) FROM answered WHERE status IN ('Expired', 'Pending')),
                 (SELECT coalesce(sum(asked), 0) FROM answered),
                 (SELECT coalesce(sum(approved), 0) FROM answered),
                 (SELECT count(DISTINCT customer_id) FROM ended WHERE status = 'Revoked'),
                 (SELECT coalesce(jsonb_object_agg(code, n), '{}'::jsonb) FROM (
                     SELECT coalesce(data ->> 'EndReasonCode', '{{NotGiven}}') AS code, count(*) AS n FROM ended WHERE status = 'Revoked' GROUP BY 1) r),
                 (SELECT count(DISTINCT customer_id) FROM ended),
                 (SELECT count(*) FROM ended),
                 (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM ended_at - granted_at)) FROM ended),
                 (SELECT count(DISTINCT customer_id) FROM cohort),
                 (SELECT count(*) FROM cohort),
                 (SELECT count(*) FROM cohort WHERE kept),
                 (SELECT count(DISTINCT customer_id) FROM renewals),
                 (SELECT count(*) FROM renewals),
                 (SELECT count(*) FROM sent),
                 (SELECT coalesce(sum(messages), 0) FROM sent),
                 (SELECT avg(cap) FROM caps WHERE customer_id IN (SELECT customer_id FROM sent)),
                 (SELECT messages FROM reports),
                 (SELECT reported FROM reports),
                 (SELECT count(DISTINCT customer_id) FROM deletions WHERE outcome IS NOT NULL),
                 (SELECT count(*) FROM deletions WHERE outcome = 'on-time'),
                 (SELECT count(*) FROM deletions WHERE outcome = 'late'),
                 (SELECT count(*) FROM deletions WHERE outcome = 'missing'),
                 (SELECT count(*) FROM deletions WHERE outcome IS NULL)
             """);
        command.Parameters.Add(new NpgsqlParameter { Value = vendorId });
        command.Parameters.Add(new NpgsqlParameter { Value = from });
        command.Parameters.Add(new NpgsqlParameter { Value = now });
        command.Parameters.Add(new NpgsqlParameter { Value = consents.Value.DeletionConfirmationPeriod });
        command.Parameters.Add(new NpgsqlParameter { Value = now - MessageWindow });
        command.Parameters.Add(new NpgsqlParameter { Value = KeepSharingSpan });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        int Int(int i) => reader.IsDBNull(i) ? 0 : (int)reader.GetInt64(i);
        var k = options.Value.MinimumGroupSize;
        bool Shown(int customers) => customers >= k;
        double Share(int part, int whole) => whole == 0 ? 0 : Math.Round((double)part / whole, 3);

        var requestCustomers = Int(0);
        var answered = Int(1);
        var requestsShown = Shown(requestCustomers);
        var revokers = Int(8);
        var byReason = System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, int>>(reader.GetString(9)) ?? [];
        var endedCustomers = Int(10);
        var medianSeconds = reader.IsDBNull(12) ? (double?)null : reader.GetDouble(12);
        var cohortCustomers = Int(13);
        var messaged = Int(18);
        var sentRecently = Int(19);
        var sentInWindow = Int(21);
        var deletionCustomers = Int(23);

        return new VendorInsights(
            from, now, k,
            requestsShown
                ? new RequestInsights(false, answered, Share(Int(2), answered), Share(Int(3), answered), Share(Int(4), answered), Share(Int(5), answered))
                : RequestInsights.Hidden,
            requestsShown ? new ScopeInsights(false, Int(6), Int(7), Share(Int(7), Int(6))) : ScopeInsights.Hidden,
            Shown(revokers)
                ? new RevocationInsights(false, byReason.Values.Sum(),
                    [.. RevocationReasons.Codes.Append(NotGiven).Select(code => new ReasonCount(code, byReason.GetValueOrDefault(code)))])
                : RevocationInsights.Hidden,
            Shown(endedCustomers) && medianSeconds is { } median
                ? new GrantLifeInsights(false, Int(11), Math.Round(median / 86400, 1))
                : GrantLifeInsights.Hidden,
            Shown(cohortCustomers) ? new KeepSharingInsights(false, Int(14), Share(Int(15), Int(14))) : KeepSharingInsights.Hidden,
            Shown(Int(16)) ? new RenewalInsights(false, Int(17)) : RenewalInsights.Hidden,
            Shown(messaged)
                ? new MessageInsights(false, Math.Round(sentRecently / (double)messaged / (MessageWindow.TotalDays / 7), 2),
                    reader.IsDBNull(20) ? null : Math.Round((double)reader.GetDecimal(20), 2), sentInWindow, Int(22),
                    Share(Int(22), sentInWindow))
                : MessageInsights.Hidden,
            Shown(deletionCustomers)
                ? new DeletionInsights(false, Int(24), Int(25), Int(26), Int(27), Share(Int(24), Int(24) + Int(25) + Int(26)))
                : DeletionInsights.Hidden);
    }

    /// <summary>A revocation for which she gave no code (the API leaves it optional).</summary>
    public const string NotGiven = "not-given";
}
