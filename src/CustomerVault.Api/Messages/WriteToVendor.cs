using CustomerVault.Connections;
using System.Text.Json.Nodes;
using CustomerVault.Consents;
using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using CustomerVault.Vendors;
using CustomerVault.Webhooks;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CustomerVault.Messages;

/// <param name="Kind">feedback, idea, complaint or question.</param>
public sealed record WriteBody(Guid VendorId, string? Kind, string? Subject, string? Body);

public static class MessageKinds
{
    public const string Reply = "reply";

    /// <summary>What she may write on her own initiative.</summary>
    public static readonly IReadOnlyList<string> Own = ["feedback", "idea", "complaint", "question"];
}

/// <summary>
/// She writes to a vendor she has a relationship with (it asked her, or she granted it access, now or before): feedback,
/// an idea, a complaint, a question. The vendor receives it by webhook (<c>customer.message</c>) and in GET /v1/messages.
/// </summary>
public static class WriteToVendor
{
    public static RouteHandlerBuilder MapWriteToVendor(this IEndpointRouteBuilder me) =>
        me.MapPost("/messages", Handle)
            .WithName("WriteToVendor")
            .WithSummary("Write to a company you have a relationship with: feedback, an idea, a complaint, a question")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Created<InboxMessage>, ProblemHttpResult>> Handle(
        WriteBody body, CustomerPrincipal customer, IQuerySession session, NpgsqlDataSource dataSource, CustomerKeyring keyring, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var errors = new ValidationContext(DateOnly.FromDateTime(now.UtcDateTime));
        if (body.Kind is null || !MessageKinds.Own.Contains(body.Kind))
        {
            errors.Add("kind", $"is required and must be one of {string.Join(", ", MessageKinds.Own)}.");
        }

        var content = MessageContent.Validate(body.Subject, body.Body, errors);
        errors.ThrowIfInvalid();
        var message = await HandleAsync(session, dataSource, keyring, customer.Id, body.VendorId, body.Kind!, content!, null, now, cancellationToken);
        return message is null
            ? TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such company.",
                detail: "You can write to a company that asked you for access or that you granted access, now or before.")
            : TypedResults.Created($"/v1/me/messages/{message.Id}", message);
    }

    /// <summary>Stores her message and queues the vendor's notification in one transaction; null when she has no relationship with the vendor.</summary>
    public static async Task<InboxMessage?> HandleAsync(
        IQuerySession session, NpgsqlDataSource dataSource, CustomerKeyring keyring, Guid customerId, Guid vendorId, string kind, MessageContent content,
        Guid? inReplyTo, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var vendor = await session.LoadAsync<Vendor>(vendorId, cancellationToken);
        if (vendor is null || !await HasRelationshipAsync(session, customerId, vendorId, cancellationToken))
        {
            return null;
        }

        var cipher = await keyring.OpenAsync(session, customerId, cancellationToken) ?? throw new CustomerErasedException(customerId);
        var id = Guid.CreateVersion7();
        var (subject, text) = content.Seal(cipher, id);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand(
            $"""
             INSERT INTO {MessageTable.Name} (id, vendor_id, customer_id, sender, channel, kind, in_reply_to, subject, body, grant_ids, created_at, status, delivered_at)
             VALUES ($1, $2, $3, '{Senders.Customer}', 'portal', $4, $5, $6, $7, ARRAY[]::uuid[], $8, '{DeliveryStatus.Delivered}', $8)
             """, connection))
        {
            insert.Parameters.AddWithValue(id);
            insert.Parameters.AddWithValue(vendorId);
            insert.Parameters.AddWithValue(customerId);
            insert.Parameters.AddWithValue(kind);
            insert.Parameters.Add(new() { Value = (object?)inReplyTo ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid });
            insert.Parameters.AddWithValue(subject);
            insert.Parameters.AddWithValue(text);
            insert.Parameters.AddWithValue(now);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        // Vendors without a webhook URL read their messages with GET /v1/messages.
        if (vendor.WebhookUrl is not null)
        {
            // She has a grant or a request with this vendor, so it already knows her by an id of its own.
            var known = await PairwiseIds.OfCustomersAsync(session, vendorId, [customerId], cancellationToken);
            await WebhookOutbox.EnqueueAsync(connection, vendorId, "messages", id, "customer.message", new JsonObject
            {
                ["messageId"] = id.ToString(),
                ["customerId"] = AccessRequestReads.Known(known, customerId)?.ToString(),
                ["kind"] = kind,
                ["inReplyTo"] = inReplyTo?.ToString(),
                ["subject"] = content.Subject,
                ["body"] = content.Body,
                ["sentAt"] = now,
            }, now, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new InboxMessage(id, VendorSummary.Of(vendor, vendorId), Senders.Customer, "portal", null, kind, inReplyTo, content.Subject, content.Body, now,
            DeliveryStatus.Delivered, now, null);
    }

    private static async Task<bool> HasRelationshipAsync(IQuerySession session, Guid customerId, Guid vendorId, CancellationToken cancellationToken) =>
        await session.Query<Grant>().AnyAsync(g => g.CustomerId == customerId && g.VendorId == vendorId, cancellationToken)
        || await session.Query<AccessRequest>().AnyAsync(r => r.CustomerId == customerId && r.VendorId == vendorId, cancellationToken);
}
