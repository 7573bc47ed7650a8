using System.Text.Json;
using System.Text.Json.Nodes;
using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Vendors;
using JasperFx.Events;
using Marten;
using Marten.Events.Projections;

namespace CustomerVault.Webhooks;

/// <summary>
/// The durable outbox of vendor notifications. Rows are written by an inline projection, so a notification is part
/// of the very transaction that stores the event that causes it: no event without its notification, no notification
/// without its event, whoever appends (an endpoint, the expiry sweeper, an operator).
/// </summary>
public static class WebhookOutbox
{
    public const string Table = EventStoreSetup.Schema + ".webhook_outbox";
    public const string HealthTable = EventStoreSetup.Schema + ".webhook_endpoint_health";

    public static readonly string InstallSql = $"""
        CREATE TABLE IF NOT EXISTS {Table} (
            id uuid PRIMARY KEY,
            ordinal bigserial NOT NULL,
            vendor_id uuid NOT NULL,
            subject_id uuid NOT NULL,
            subject text NOT NULL,
            type text NOT NULL,
            data jsonb NOT NULL,
            created_at timestamptz NOT NULL,
            status text NOT NULL DEFAULT 'pending',
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_at timestamptz NOT NULL,
            last_attempt_at timestamptz,
            last_error text,
            delivered_at timestamptz
        );
        CREATE INDEX IF NOT EXISTS ix_webhook_outbox_due ON {Table} (next_attempt_at) WHERE status = 'pending';
        CREATE INDEX IF NOT EXISTS ix_webhook_outbox_subject ON {Table} (subject_id, ordinal) WHERE status = 'pending';
        CREATE INDEX IF NOT EXISTS ix_webhook_outbox_vendor ON {Table} (vendor_id, status, ordinal);
        CREATE TABLE IF NOT EXISTS {HealthTable} (
            vendor_id uuid PRIMARY KEY,
            last_success_at timestamptz,
            failing_since timestamptz,
            consecutive_failures integer NOT NULL DEFAULT 0,
            last_error text,
            updated_at timestamptz NOT NULL
        );
        """;

    public const string TypePrefix = "com.customervault.";

    /// <summary>
    /// One notification, if the vendor has a webhook URL (vendors without one learn outcomes by asking): decided by the
    /// insert itself, in the batch that appends the event, so that asking costs no round trip of its own. The vendor reads
    /// her as it knows her: its pairwise id, looked up in the same statement.
    /// </summary>
    public static void Enqueue(
        IDocumentOperations operations, Guid vendorId, Guid customerId, string subjectKind, Guid subjectId, string type, JsonObject data, DateTimeOffset at) =>
        operations.QueueSqlCommand(
            $"""
             INSERT INTO {Table} (id, vendor_id, subject_id, subject, type, data, created_at, next_attempt_at)
             SELECT ?, v.id, ?, ?, ?, ?::jsonb || jsonb_build_object('customerId', ({PairwiseId}c.vendor_id = v.id AND c.customer_id = ?)), ?, ?
             FROM {operations.DocumentStore.TableOf<Vendor>()} v
             WHERE v.id = ? AND v.data ->> '{nameof(Vendor.WebhookUrl)}' IS NOT NULL
             """,
            Guid.CreateVersion7(), subjectId, $"{subjectKind}/{subjectId}", TypePrefix + type, data.ToJsonString(), customerId, at, at, vendorId);

    private const string PairwiseId = $"SELECT c.id FROM {ConnectionTables.Connections} c WHERE ";

    /// <summary>
    /// Queues a notification in the connection's open transaction, for what is written without the event store. The
    /// caller names the customer in <paramref name="data"/> as the vendor knows her (its pairwise id).
    /// </summary>
    public static async Task EnqueueAsync(
        Npgsql.NpgsqlConnection connection, Guid vendorId, string subjectKind, Guid subjectId, string type, JsonObject data, DateTimeOffset at,
        CancellationToken cancellationToken)
    {
        await using var command = new Npgsql.NpgsqlCommand(
            $"INSERT INTO {Table} (id, vendor_id, subject_id, subject, type, data, created_at, next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $7)",
            connection);
        command.Parameters.AddWithValue(Guid.CreateVersion7());
        command.Parameters.AddWithValue(vendorId);
        command.Parameters.AddWithValue(subjectId);
        command.Parameters.AddWithValue($"{subjectKind}/{subjectId}");
        command.Parameters.AddWithValue(TypePrefix + type);
        command.Parameters.AddWithValue(data.ToJsonString());
        command.Parameters.AddWithValue(at);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>One notification per grant of the vendor that is active now, built in the database (a vendor may have many).</summary>
    public static void EnqueueForActiveGrants(IDocumentOperations operations, IDocumentStore store, Guid vendorId, string type, string status, DateTimeOffset at) =>
        operations.QueueSqlCommand(
            $"""
             INSERT INTO {Table} (id, vendor_id, subject_id, subject, type, data, created_at, next_attempt_at)
             SELECT gen_random_uuid(), g.vendor_id, g.id, 'grants/' || g.id, ?,
                    jsonb_build_object('grantId', g.id, 'requestId', g.request_id, 'customerId', ({PairwiseId}c.vendor_id = g.vendor_id AND c.customer_id = g.customer_id), 'status', ?::text,
                                       'scopes', g.scopes, 'purpose', g.purpose, 'expiresAt', g.expires_at, 'version', g.version),
                    ?, ?
             FROM ({GrantRows.ActiveOfVendor(store)}) g
             ORDER BY g.id
             """,
            TypePrefix + type, status, at, at, vendorId, at);
}

/// <summary>Turns the events a vendor must hear about into outbox rows, in the same transaction.</summary>
public sealed partial class WebhookOutboxProjection : EventProjection
{
    public override async ValueTask ApplyAsync(IDocumentOperations operations, IEvent e, CancellationToken cancellation)
    {
        switch (e.Data)
        {
            case AccessRequestApproved approved:
                await ForRequestAsync(operations, approved.RequestId, e, "access-request.approved", request => Data(request, "approved", e.Version)
                    .With("grantId", approved.GrantId).With("approvedScopes", Array(approved.Scopes)).With("expiresAt", approved.GrantExpiresAt), cancellation);
                break;
            case AccessRequestDenied denied:
                await ForRequestAsync(operations, denied.RequestId, e, "access-request.denied",
                    request => Data(request, "denied", e.Version).With("reason", denied.Reason), cancellation);
                break;
            case AccessRequestExpired expired:
                await ForRequestAsync(operations, expired.RequestId, e, "access-request.expired", request => Data(request, "expired", e.Version), cancellation);
                break;
            case GrantExtended extended:
                await ForGrantAsync(operations, extended.GrantId, e, "grant.extended", grant => Data(grant, "active", e.Version)
                    .With("scopes", Array(extended.Scopes)).With("expiresAt", extended.ExpiresAt).With("extendedBy", extended.RequestId), cancellation);
                break;
            case GrantNarrowed narrowed:
                await ForGrantAsync(operations, narrowed.GrantId, e, "grant.narrowed",
                    grant => Data(grant, "active", e.Version).With("scopes", Array(narrowed.Scopes)).With("removedScopes", Array(narrowed.RemovedScopes)), cancellation);
                break;
            case GrantContactEnded contactEnded:
                await ForGrantAsync(operations, contactEnded.GrantId, e, "grant.contact-ended",
                    grant => Data(grant, "active", e.Version).With("reason", contactEnded.Reason), cancellation);
                break;
            case GrantPaused paused:
                await ForGrantAsync(operations, paused.GrantId, e, "grant.paused", grant => Data(grant, "paused", e.Version), cancellation);
                break;
            case GrantConfirmed { Resumed: true } resumed:
                // Only a resumption changes what the vendor may do; her other confirmations are her own business.
                await ForGrantAsync(operations, resumed.GrantId, e, "grant.resumed", grant => Data(grant, "active", e.Version), cancellation);
                break;
            case GrantRevoked revoked:
                // Her reasons stay hers: the vendor learns them only counted with other customers' (GET /v1/vendor/insights).
                await ForGrantAsync(operations, revoked.GrantId, e, "grant.revoked", grant => Data(grant, "revoked", e.Version), cancellation);
                break;
            case GrantRelinquished relinquished:
                await ForGrantAsync(operations, relinquished.GrantId, e, "grant.relinquished",
                    grant => Data(grant, "relinquished", e.Version).With("reason", relinquished.Reason), cancellation);
                break;
            case GrantExpired expired:
                await ForGrantAsync(operations, expired.GrantId, e, "grant.expired", grant => Data(grant, "expired", e.Version), cancellation);
                break;
            case VendorSuspended suspended when await HasEndpointAsync(operations, suspended.VendorId, cancellation):
                WebhookOutbox.EnqueueForActiveGrants(operations, operations.DocumentStore, suspended.VendorId, "grant.suspended", "suspended", e.Timestamp);
                break;
            case VendorReactivated reactivated when await HasEndpointAsync(operations, reactivated.VendorId, cancellation):
                WebhookOutbox.EnqueueForActiveGrants(operations, operations.DocumentStore, reactivated.VendorId, "grant.reactivated", "active", e.Timestamp);
                break;
        }
    }

    private static async Task ForRequestAsync(IDocumentOperations operations, Guid requestId, IEvent e, string type, Func<AccessRequest, JsonObject> data, CancellationToken cancellation)
    {
        // Answered from the batch being saved, not by a query.
        var request = await operations.LoadAsync<AccessRequest>(requestId, cancellation);
        if (request is not null)
        {
            WebhookOutbox.Enqueue(operations, request.VendorId, request.CustomerId, "access-requests", requestId, type, data(request), e.Timestamp);
        }
    }

    private static async Task ForGrantAsync(IDocumentOperations operations, Guid grantId, IEvent e, string type, Func<Grant, JsonObject> data, CancellationToken cancellation)
    {
        var grant = await operations.LoadAsync<Grant>(grantId, cancellation);
        if (grant is not null)
        {
            WebhookOutbox.Enqueue(operations, grant.VendorId, grant.CustomerId, "grants", grantId, type, data(grant), e.Timestamp);
        }
    }

    // Vendors without a webhook URL learn outcomes by asking; nothing is queued for them.
    private static async Task<bool> HasEndpointAsync(IDocumentOperations operations, Guid vendorId, CancellationToken cancellation) =>
        (await operations.LoadAsync<Vendor>(vendorId, cancellation))?.WebhookUrl is not null;

    private static JsonObject Data(AccessRequest request, string status, long version) => new()
    {
        ["requestId"] = request.Id.ToString(),
        ["status"] = status,
        ["scopes"] = Array(request.Scopes),
        ["purpose"] = request.Purpose,
        ["version"] = version,
    };

    private static JsonObject Data(Grant grant, string status, long version) => new()
    {
        ["grantId"] = grant.Id.ToString(),
        ["requestId"] = grant.RequestId?.ToString(),
        ["status"] = status,
        ["scopes"] = Array(grant.Scopes),
        ["purpose"] = grant.Purpose,
        ["expiresAt"] = grant.ExpiresAt,
        ["version"] = version,
    };

    private static JsonArray Array(IEnumerable<string> items) => new(items.Select(i => (JsonNode?)i).ToArray());
}

internal static class JsonObjectExtensions
{
    public static JsonObject With(this JsonObject target, string name, object? value)
    {
        target[name] = value switch
        {
            null => null,
            JsonNode node => node,
            _ => JsonSerializer.SerializeToNode(value),
        };
        return target;
    }
}
