using Npgsql;
using NpgsqlTypes;

namespace CustomerVault.Webhooks;

public sealed record PendingDelivery(Guid Id, Guid VendorId, string Subject, string Type, string Data, DateTimeOffset CreatedAt, int Attempts, long Ordinal);

/// <summary>
/// How a node takes deliveries from the outbox without holding a transaction while it sends: it claims them with a
/// lease (<c>claimed_by</c>, <c>claimed_until</c>) in one committed statement, renews the lease of each delivery just
/// before sending it (which also tells it whether it still owns it), and records the outcome in another statement
/// that only counts if its claim still stands. A node that dies leaves leases that run out; another node then sends
/// the same notification again with the same webhook-id (at least once). Lease times are the database's clock:
/// how long a send may take is an operational matter, not the vault's clock that decides what is due.
/// </summary>
public sealed class OutboxLeases(NpgsqlDataSource dataSource, string node)
{
    public static readonly string InstallSql = $"""
        ALTER TABLE {WebhookOutbox.Table} ADD COLUMN IF NOT EXISTS claimed_by text, ADD COLUMN IF NOT EXISTS claimed_until timestamptz;
        """;

    /// <summary>Which node holds a claim, so an operator can tell, and a node knows its own.</summary>
    public string Node => node;

    /// <summary>
    /// Claims what is due for at most <paramref name="endpoints"/> vendors other than <paramref name="busy"/>. Only
    /// the oldest pending notification of a grant or request can be claimed, so each subject's notifications go out
    /// in order whichever nodes send them.
    /// </summary>
    public async Task<IReadOnlyList<PendingDelivery>> ClaimAsync(
        DateTimeOffset now, IReadOnlyCollection<Guid> busy, int endpoints, int limit, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
             WITH due AS MATERIALIZED (
                 SELECT o.id, o.vendor_id, o.ordinal FROM {WebhookOutbox.Table} o
                 WHERE o.status = 'pending' AND o.next_attempt_at <= $1
                   AND (o.claimed_until IS NULL OR o.claimed_until < clock_timestamp())
                   AND o.vendor_id <> ALL($2)
                   AND NOT EXISTS (SELECT 1 FROM {WebhookOutbox.Table} p WHERE p.subject_id = o.subject_id AND p.status = 'pending' AND p.ordinal < o.ordinal)
                 ORDER BY o.ordinal
                 LIMIT $3
                 FOR UPDATE OF o SKIP LOCKED),
             endpoints AS (SELECT vendor_id FROM due GROUP BY vendor_id ORDER BY min(ordinal) LIMIT $4)
             UPDATE {WebhookOutbox.Table} o SET claimed_by = $5, claimed_until = clock_timestamp() + $6
             FROM due WHERE o.id = due.id AND due.vendor_id IN (SELECT vendor_id FROM endpoints)
             RETURNING o.id, o.vendor_id, o.subject, o.type, o.data::text, o.created_at, o.attempts, o.ordinal
             """);
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = busy.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = limit });
        command.Parameters.Add(new() { Value = endpoints });
        command.Parameters.Add(new() { Value = node });
        command.Parameters.Add(new() { Value = lease });
        var claimed = new List<PendingDelivery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claimed.Add(new PendingDelivery(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt32(6), reader.GetInt64(7)));
        }

        return claimed.OrderBy(d => d.Ordinal).ToList();
    }

    /// <summary>Extends the claim on one delivery just before it is sent; false when this node no longer holds it.</summary>
    public async Task<bool> RenewAsync(Guid deliveryId, TimeSpan lease, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"UPDATE {WebhookOutbox.Table} SET claimed_until = clock_timestamp() + $3 WHERE id = $1 AND claimed_by = $2 AND status = 'pending'");
        command.Parameters.Add(new() { Value = deliveryId });
        command.Parameters.Add(new() { Value = node });
        command.Parameters.Add(new() { Value = lease });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>
    /// Records an attempt and the endpoint's health, and lets the claim go, in one statement; false when the claim
    /// had been lost (its lease ran out and another node took the delivery), and nothing was recorded.
    /// </summary>
    /// <param name="failure">Null when the receiver accepted it.</param>
    /// <param name="retryAt">When to try again after a failure; null parks it as failed.</param>
    public async Task<bool> RecordAsync(PendingDelivery delivery, DateTimeOffset now, string? failure, DateTimeOffset? retryAt, CancellationToken cancellationToken)
    {
        var attempt = failure is null
            ? "status = 'delivered', delivered_at = $3, last_error = NULL"
            : "status = CASE WHEN $5::timestamptz IS NULL THEN 'failed' ELSE 'pending' END, next_attempt_at = coalesce($5, $3), last_error = $6";
        var health = failure is null
            ? $"""
               SELECT vendor_id, $3::timestamptz, NULL::timestamptz, 0, NULL::text, $3::timestamptz FROM recorded
               ON CONFLICT (vendor_id) DO UPDATE SET last_success_at = $3, failing_since = NULL, consecutive_failures = 0, last_error = NULL, updated_at = $3
               """
            : $"""
               SELECT vendor_id, NULL::timestamptz, $3::timestamptz, 1, $6::text, $3::timestamptz FROM recorded
               ON CONFLICT (vendor_id) DO UPDATE SET failing_since = coalesce({WebhookOutbox.HealthTable}.failing_since, $3),
                   consecutive_failures = {WebhookOutbox.HealthTable}.consecutive_failures + 1, last_error = $6, updated_at = $3
               """;
        await using var command = dataSource.CreateCommand(
            $"""
             WITH recorded AS (
                 UPDATE {WebhookOutbox.Table} SET {attempt}, attempts = $2, last_attempt_at = $3, claimed_by = NULL, claimed_until = NULL
                 WHERE id = $1 AND claimed_by = $4 RETURNING vendor_id)
             INSERT INTO {WebhookOutbox.HealthTable} (vendor_id, last_success_at, failing_since, consecutive_failures, last_error, updated_at)
             {health}
             """);
        command.Parameters.Add(new() { Value = delivery.Id });
        command.Parameters.Add(new() { Value = delivery.Attempts + 1 });
        command.Parameters.Add(new() { Value = now });
        command.Parameters.Add(new() { Value = node });
        command.Parameters.Add(new() { Value = (object?)retryAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = (object?)failure ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Lets go of every claim this node still holds (on shutdown), so other nodes need not wait for the leases to run out.</summary>
    public async Task ReleaseAllAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"UPDATE {WebhookOutbox.Table} SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = $1 AND status = 'pending'");
        command.Parameters.Add(new() { Value = node });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
