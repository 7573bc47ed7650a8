using CustomerVault.Infrastructure.EventStore;

namespace CustomerVault.Messages;

public static class Senders
{
    public const string Vendor = "vendor";
    public const string Customer = "customer";

    /// <summary>The vault itself, about her relationship with the vendor (a "still sharing" reminder): hers alone, the vendor never sees it.</summary>
    public const string Vault = "vault";
}

public static class DeliveryStatus
{
    /// <summary>Waiting in the outbox for its (next) attempt.</summary>
    public const string Pending = "pending";

    /// <summary>Handed to the relay or provider (or, in her inbox only, stored).</summary>
    public const string Delivered = "delivered";

    /// <summary>Every attempt failed, or it could not be attempted (she has no address for the channel any more).</summary>
    public const string Failed = "failed";

    /// <summary>Not sent: she erased her account before it went out.</summary>
    public const string Cancelled = "cancelled";
}

/// <summary>
/// Messages between a vendor and a customer, both ways, and the durable outbox of their delivery in the same row: a
/// message is accepted, counted, logged and queued in one transaction, or not at all. Subject and body are sealed with
/// her data key, so erasing her account makes them unreadable; addresses are never stored here, only looked up in her
/// vault when a message is sent.
/// </summary>
public static class MessageTable
{
    public const string Name = EventStoreSetup.Schema + ".messages";

    public static readonly string InstallSql = $"""
        CREATE TABLE IF NOT EXISTS {Name} (
            id uuid PRIMARY KEY,
            vendor_id uuid NOT NULL,
            customer_id uuid NOT NULL,
            sender text NOT NULL,
            channel text NOT NULL,
            purpose text,
            kind text,
            in_reply_to uuid,
            subject text NOT NULL,
            body text NOT NULL,
            grant_ids uuid[] NOT NULL,
            idempotency_key text,
            body_hash text,
            created_at timestamptz NOT NULL,
            reported_at timestamptz,
            status text NOT NULL,
            attempts integer NOT NULL DEFAULT 0,
            next_attempt_at timestamptz,
            last_attempt_at timestamptz,
            last_error text,
            delivered_at timestamptz,
            claimed_by text,
            claimed_until timestamptz
        );
        CREATE UNIQUE INDEX IF NOT EXISTS ux_messages_idempotency ON {Name} (vendor_id, idempotency_key) WHERE idempotency_key IS NOT NULL;
        CREATE INDEX IF NOT EXISTS ix_messages_customer ON {Name} (customer_id, created_at DESC, id DESC);
        CREATE INDEX IF NOT EXISTS ix_messages_vendor_customer ON {Name} (vendor_id, customer_id, created_at DESC, id DESC);
        CREATE INDEX IF NOT EXISTS ix_messages_due ON {Name} (next_attempt_at) WHERE status = 'pending';
        """;

    /// <summary>The columns every read of a message takes, in <see cref="StoredMessage"/>'s order.</summary>
    public const string Columns = "id, vendor_id, customer_id, sender, channel, purpose, kind, in_reply_to, subject, body, created_at, reported_at, status, delivered_at";
}

/// <summary>A message as stored: subject and body still sealed.</summary>
public sealed record StoredMessage(
    Guid Id, Guid VendorId, Guid CustomerId, string Sender, string Channel, string? Purpose, string? Kind, Guid? InReplyTo,
    string SealedSubject, string SealedBody, DateTimeOffset CreatedAt, DateTimeOffset? ReportedAt, string Status, DateTimeOffset? DeliveredAt)
{
    public static StoredMessage Read(Npgsql.NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6),
        reader.IsDBNull(7) ? null : reader.GetGuid(7), reader.GetString(8), reader.GetString(9), reader.GetFieldValue<DateTimeOffset>(10),
        reader.IsDBNull(11) ? null : reader.GetFieldValue<DateTimeOffset>(11), reader.GetString(12),
        reader.IsDBNull(13) ? null : reader.GetFieldValue<DateTimeOffset>(13));
}
