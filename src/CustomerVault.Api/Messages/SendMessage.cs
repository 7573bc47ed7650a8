using CustomerVault.Connections;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using CustomerVault.AccessLog;
using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using CustomerVault.Profiles;
using CustomerVault.VendorAccess;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using NpgsqlTypes;

namespace CustomerVault.Messages;

/// <param name="Channel">email, sms or portal (her inbox only). Every message lands in her inbox as well.</param>
/// <param name="Subject">One line, at most 200 characters.</param>
/// <param name="Body">Plain text, at most 10,000 characters.</param>
/// <param name="Purpose">The purpose of the grant that allows this contact (purpose limitation).</param>
public sealed record MessageBody(string? Channel, string? Subject, string? Body, string? Purpose);

/// <summary>
/// A vendor messages a customer through the vault: it never holds her address. Decided with the weekly count under
/// the contact lock (<see cref="ContactCap"/>), then counted in her access log and queued for delivery in the same
/// transaction.
/// </summary>
public static class SendMessage
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static RouteHandlerBuilder MapSendMessage(this IEndpointRouteBuilder vendor) =>
        vendor.MapPost("/customers/{customerId:guid}/messages", Handle)
            .WithName("SendMessage")
            .WithSummary("Send a customer a message by e-mail, SMS or to her inbox; the vault delivers it, you never see her address")
            .WithDescription("Allowed when an active grant for the purpose allows contact, the channel is in its terms and her preferences, and the "
                             + "weekly cap is not reached (403 with the reason, or 429 with nextAllowedAt and Retry-After). Accepted messages are "
                             + "contacts in her access log and are delivered from a durable outbox; GET /v1/messages/{id} shows how it went. Send an "
                             + "Idempotency-Key header to retry safely: the same key with the same body gives the same message; with another body, 422.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static async Task<Results<Accepted<VendorMessage>, ProblemHttpResult>> Handle(
        Guid customerId, MessageBody body, [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey, CallingVendor vendor,
        IQuerySession session, NpgsqlDataSource dataSource, CustomerKeyring keyring, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var content = Validate(body, idempotencyKey, now);
        // The vendor names her by its own (pairwise) id; the vault id never appears in what it sees.
        var customer = await PairwiseIds.CustomerOfAsync(session, vendor.Id, customerId, cancellationToken);
        var bodyHash = Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(body)));

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (idempotencyKey is not null)
        {
            // A retry waits for the first attempt with the same key to finish, whichever customer it names.
            await Locks.LockAsync(connection, $"message-idempotency/{idempotencyKey}", vendor.Id, Guid.Empty, cancellationToken);
            if (await EarlierAsync(connection, vendor.Id, idempotencyKey, cancellationToken) is { } earlier)
            {
                if (earlier.BodyHash != bodyHash || earlier.CustomerId != customer)
                {
                    return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The Idempotency-Key was used for another message.",
                        detail: "This key already stands for a message with a different body or customer. Use a new key for a new message.");
                }

                var stored = await MessageReads.LoadAsync(dataSource, earlier.Id, vendor.Id, null, cancellationToken);
                var opened = MessageContent.Open(await keyring.OpenAsync(session, customer, cancellationToken), stored!);
                return TypedResults.Accepted($"/v1/messages/{earlier.Id}", MessageViews.ForVendor(stored!, customerId, opened));
            }
        }

        var admission = await ContactCap.AdmitAsync(connection, session, keyring, vendor.Id, customer, body.Channel!, body.Purpose, now, cancellationToken);
        var profile = await session.LoadAsync<Profile>(customer, cancellationToken);
        if (AddressAttribute(body.Channel!) is { } attribute && profile?.Attributes.ContainsKey(attribute) != true)
        {
            throw new ContactRefusedException(admission.Permission with { Allowed = false, Reason = "no-address",
                Detail = $"She keeps no {(body.Channel == "sms" ? "phone number" : "e-mail address")} in her vault; send to her inbox (portal) instead." }, null);
        }

        var cipher = await keyring.OpenAsync(session, customer, cancellationToken) ?? throw new CustomerErasedException(customerId);
        var id = Guid.CreateVersion7();
        var (subject, text) = content.Seal(cipher, id);
        var portalOnly = body.Channel == Contacts.Portal;
        await using (var insert = new NpgsqlCommand(
            $"""
             INSERT INTO {MessageTable.Name} (id, vendor_id, customer_id, sender, channel, purpose, subject, body, grant_ids, idempotency_key, body_hash,
                                              created_at, status, next_attempt_at, delivered_at)
             VALUES ($1, $2, $3, '{Senders.Vendor}', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
             """, connection))
        {
            insert.Parameters.AddWithValue(id);
            insert.Parameters.AddWithValue(vendor.Id);
            insert.Parameters.AddWithValue(customer);
            insert.Parameters.AddWithValue(body.Channel!);
            insert.Parameters.AddWithValue(body.Purpose!);
            insert.Parameters.AddWithValue(subject);
            insert.Parameters.AddWithValue(text);
            insert.Parameters.AddWithValue(admission.Permission.Grants.ToArray());
            insert.Parameters.Add(new() { Value = (object?)idempotencyKey ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
            insert.Parameters.AddWithValue(bodyHash);
            insert.Parameters.AddWithValue(now);
            insert.Parameters.AddWithValue(portalOnly ? DeliveryStatus.Delivered : DeliveryStatus.Pending);
            insert.Parameters.Add(new() { Value = portalOnly ? DBNull.Value : now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            insert.Parameters.Add(new() { Value = portalOnly ? now : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await AccessLogTable.WriteAsync(connection, [new AccessLogEntry(id, customer, vendor.Id, AccessKind.Contact, body.Purpose!, admission.Permission.Grants, [],
            body.Channel, now, Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier)], cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var view = new VendorMessage(id, customerId, Senders.Vendor, body.Channel!, body.Purpose, null, null, content.Subject, content.Body, now,
            portalOnly ? DeliveryStatus.Delivered : DeliveryStatus.Pending, portalOnly ? now : null);
        return TypedResults.Accepted($"/v1/messages/{id}", view);
    }

    /// <summary>The profile attribute a channel delivers to; null for her inbox.</summary>
    public static string? AddressAttribute(string channel) => channel switch
    {
        "email" => "contact.email",
        "sms" => "contact.phone",
        _ => null,
    };

    private static MessageContent Validate(MessageBody body, string? idempotencyKey, DateTimeOffset now)
    {
        var errors = new ValidationContext(DateOnly.FromDateTime(now.UtcDateTime));
        if (body.Channel is null || !Contacts.MessageChannels.Contains(body.Channel))
        {
            errors.Add("channel", $"is required and must be one of {string.Join(", ", Contacts.MessageChannels)}; report calls and letters at /contacts.");
        }

        if (!Purposes.IsKnown(body.Purpose))
        {
            errors.Add("purpose", $"is required and must be one of {string.Join(", ", Purposes.All)}: the purpose of the grant that allows this contact.");
        }

        if (idempotencyKey is { Length: 0 or > 200 })
        {
            errors.Add(IdempotencyKeyHeader, "must be 1 to 200 characters.");
        }

        var content = MessageContent.Validate(body.Subject, body.Body, errors);
        errors.ThrowIfInvalid();
        return content!;
    }

    private static async Task<(Guid Id, Guid CustomerId, string? BodyHash)?> EarlierAsync(
        NpgsqlConnection connection, Guid vendorId, string idempotencyKey, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT id, customer_id, body_hash FROM {MessageTable.Name} WHERE vendor_id = $1 AND idempotency_key = $2", connection)
        {
            Parameters = { new() { Value = vendorId }, new() { Value = idempotencyKey } },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetGuid(0), reader.GetGuid(1), reader.IsDBNull(2) ? null : reader.GetString(2)) : null;
    }
}
