using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Vendors;
using Marten;
using Npgsql;

namespace CustomerVault.Messages;

/// <summary>A message as the vendor sees it: what was said and how delivery went, never where it was delivered.</summary>
/// <param name="From">vendor (you) or customer (her reply or her own message).</param>
/// <param name="Channel">email, sms or portal for yours; portal for hers.</param>
/// <param name="Kind">For hers: reply, feedback, idea, complaint or question.</param>
/// <param name="Subject">Absent when she has erased her account.</param>
/// <param name="CustomerId">Your id for her (absent once she has erased her account).</param>
/// <param name="Status">pending, delivered, failed or cancelled (she erased her account before it went out).</param>
public sealed record VendorMessage(
    Guid Id, Guid? CustomerId, string From, string Channel, string? Purpose, string? Kind, Guid? InReplyTo, string? Subject, string? Body,
    DateTimeOffset SentAt, string Status, DateTimeOffset? DeliveredAt);

/// <summary>A message in her inbox, either way.</summary>
/// <param name="From">vendor, customer (what you wrote), or vault (the vault's own message about your relationship with the vendor, such as a "still sharing" reminder).</param>
/// <param name="Kind">For yours: reply, feedback, idea, complaint or question; for the vault's: still-sharing.</param>
/// <param name="ReportedAt">When you reported it as unwanted.</param>
public sealed record InboxMessage(
    Guid Id, VendorSummary Vendor, string From, string Channel, string? Purpose, string? Kind, Guid? InReplyTo, string Subject, string Body,
    DateTimeOffset SentAt, string Status, DateTimeOffset? DeliveredAt, DateTimeOffset? ReportedAt);

public static class MessageViews
{
    /// <param name="customerId">The vendor's (pairwise) id for her.</param>
    public static VendorMessage ForVendor(StoredMessage m, Guid? customerId, MessageContent? content) => new(
        m.Id, customerId, m.Sender, m.Channel, m.Purpose, m.Kind, m.InReplyTo, content?.Subject, content?.Body, m.CreatedAt, m.Status, m.DeliveredAt);

    public static InboxMessage ForCustomer(StoredMessage m, MessageContent content, Vendor? vendor) => new(
        m.Id, VendorSummary.Of(vendor, m.VendorId), m.Sender, m.Channel, m.Purpose, m.Kind, m.InReplyTo, content.Subject, content.Body, m.CreatedAt,
        m.Status, m.DeliveredAt, m.ReportedAt);

    /// <summary>The vendor's view of these messages, each opened with its customer's key.</summary>
    public static async Task<IReadOnlyList<VendorMessage>> ForVendorAsync(
        IReadOnlyList<StoredMessage> messages, Guid vendorId, IQuerySession session, CustomerKeyring keyring, CancellationToken cancellationToken)
    {
        var known = await PairwiseIds.OfCustomersAsync(session, vendorId, messages.Select(m => m.CustomerId), cancellationToken);
        var ciphers = new Dictionary<Guid, CustomerCipher?>();
        foreach (var customerId in messages.Select(m => m.CustomerId).Distinct())
        {
            ciphers[customerId] = await keyring.OpenAsync(session, customerId, cancellationToken);
        }

        return messages.Select(m => ForVendor(m, AccessRequestReads.Known(known, m.CustomerId), MessageContent.Open(ciphers[m.CustomerId], m))).ToList();
    }

    /// <summary>Her view of her messages; she always has her key while she can sign in.</summary>
    public static async Task<IReadOnlyList<InboxMessage>> ForCustomerAsync(
        IReadOnlyList<StoredMessage> messages, Guid customerId, IQuerySession session, CustomerKeyring keyring, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return [];
        }

        var cipher = await keyring.OpenAsync(session, customerId, cancellationToken);
        var vendors = await session.VendorsAsync(messages.Select(m => m.VendorId), cancellationToken);
        return messages.Select(m => ForCustomer(m, MessageContent.Open(cipher, m)!, vendors.GetValueOrDefault(m.VendorId))).ToList();
    }
}

/// <summary>Reads of the message table; every one names its owner, so no query can return another party's message.</summary>
public static class MessageReads
{
    /// <summary>One message, only if it is between these parties (either may be left open, never both).</summary>
    public static async Task<StoredMessage?> LoadAsync(NpgsqlDataSource dataSource, Guid id, Guid? vendorId, Guid? customerId, CancellationToken cancellationToken)
    {
        var list = await QueryAsync(dataSource, id, vendorId, customerId, 1, 0, cancellationToken);
        return list.Count == 0 ? null : list[0];
    }

    /// <summary>Messages between these parties, newest first (a vendor's never include the vault's own messages to her).</summary>
    public static Task<IReadOnlyList<StoredMessage>> ListAsync(
        NpgsqlDataSource dataSource, Guid? vendorId, Guid? customerId, int limit, int offset, CancellationToken cancellationToken) =>
        QueryAsync(dataSource, null, vendorId, customerId, limit, offset, cancellationToken);

    /// <summary>
    /// One page of her messages, newest first, after <paramref name="after"/> (keyset paging), on a connection the caller
    /// holds (the export reads everything in one snapshot).
    /// </summary>
    public static async Task<IReadOnlyList<StoredMessage>> PageAsync(
        NpgsqlConnection connection, Guid customerId, (DateTimeOffset At, Guid Id)? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
             SELECT {MessageTable.Columns} FROM {MessageTable.Name}
             WHERE customer_id = $1 AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
             ORDER BY created_at DESC, id DESC LIMIT $4
             """, connection);
        command.Parameters.AddWithValue(customerId);
        command.Parameters.Add(new() { Value = (object?)after?.At ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = after?.Id ?? Guid.Empty, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.AddWithValue(limit);
        var messages = new List<StoredMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            messages.Add(StoredMessage.Read(reader));
        }

        return messages;
    }

    private static async Task<IReadOnlyList<StoredMessage>> QueryAsync(
        NpgsqlDataSource dataSource, Guid? id, Guid? vendorId, Guid? customerId, int limit, int offset, CancellationToken cancellationToken)
    {
        if (vendorId is null && customerId is null)
        {
            throw new ArgumentException("A read of messages names the vendor or the customer whose they are.");
        }

        await using var command = dataSource.CreateCommand(
            $"""
             SELECT {MessageTable.Columns} FROM {MessageTable.Name}
             WHERE ($1::uuid IS NULL OR id = $1) AND ($2::uuid IS NULL OR (vendor_id = $2 AND sender <> '{Senders.Vault}')) AND ($3::uuid IS NULL OR customer_id = $3)
             ORDER BY created_at DESC, id DESC LIMIT $4 OFFSET $5
             """);
        command.Parameters.Add(new() { Value = (object?)id ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = (object?)vendorId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = (object?)customerId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
        command.Parameters.Add(new() { Value = limit });
        command.Parameters.Add(new() { Value = offset });
        var messages = new List<StoredMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            messages.Add(StoredMessage.Read(reader));
        }

        return messages;
    }
}
