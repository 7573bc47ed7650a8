using CustomerVault.Infrastructure.Encryption;
using Marten;

namespace CustomerVault.Messages;

/// <summary>Kinds of the vault's own messages to her.</summary>
public static class VaultMessageKinds
{
    /// <summary>She still shares under a grant she has not reviewed for a while.</summary>
    public const string StillSharing = "still-sharing";
}

/// <summary>
/// The vault's own messages to her, about her relationship with a vendor: in her inbox, and by e-mail when she keeps an
/// address, through the same outbox as a vendor's. Not a vendor's contact: no cap, no access-log entry, and the vendor
/// never sees them.
/// </summary>
public static class VaultMessages
{
    /// <summary>
    /// Queues the message in the session's batch, so it is stored with the event that records it, or not at all. Sealed
    /// with her data key, like every message.
    /// </summary>
    public static void Queue(
        IDocumentSession session, CustomerCipher cipher, Guid messageId, Guid vendorId, Guid customerId, bool byEmail, string purpose, string kind,
        Guid grantId, MessageContent content, DateTimeOffset now)
    {
        var (subject, body) = content.Seal(cipher, messageId);
        session.QueueSqlCommand(
            $"""
             INSERT INTO {MessageTable.Name} (id, vendor_id, customer_id, sender, channel, purpose, kind, subject, body, grant_ids, created_at, status,
                                              next_attempt_at, delivered_at)
             VALUES (?, ?, ?, '{Senders.Vault}', ?, ?, ?, ?, ?, ARRAY[?]::uuid[], ?, ?, CASE WHEN ? THEN ?::timestamptz END, CASE WHEN ? THEN NULL ELSE ?::timestamptz END)
             """,
            messageId, vendorId, customerId, byEmail ? "email" : "portal", purpose, kind, subject, body, grantId, now,
            byEmail ? DeliveryStatus.Pending : DeliveryStatus.Delivered, byEmail, now, byEmail, now);
    }
}
