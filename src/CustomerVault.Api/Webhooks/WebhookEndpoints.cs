using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CustomerVault.Webhooks;

/// <param name="Status">healthy, failing (since failingSince), or unknown (nothing delivered yet).</param>
public sealed record WebhookHealth(string Status, DateTimeOffset? LastSuccessAt, DateTimeOffset? FailingSince, int ConsecutiveFailures, string? LastError);

public sealed record WebhookSettings(string? Url, DateTimeOffset? SecretRotatedAt, WebhookHealth Health);

public sealed record WebhookEndpointBody(string? Url);

/// <param name="Secret">Shown this once: verify each delivery's webhook-signature with it (Standard Webhooks).</param>
public sealed record WebhookSecretView(string Secret, DateTimeOffset RotatedAt);

/// <param name="Id">The webhook-id: the same on every attempt, so receivers can drop duplicates.</param>
/// <param name="Status">pending (waiting or retrying), delivered, or failed (parked after the last retry).</param>
public sealed record DeliveryView(
    Guid Id, string Type, string Subject, string Status, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? NextAttemptAt,
    DateTimeOffset? LastAttemptAt, DateTimeOffset? DeliveredAt, string? LastError);

/// <summary>A vendor manages where it is told, with which secret, and sees and redelivers its notifications.</summary>
public static class WebhookEndpoints
{
    private static readonly string[] Statuses = ["pending", "delivered", "failed"];

    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder vendor)
    {
        vendor.MapGet("/webhooks", Get).WithName("GetWebhookSettings").WithSummary("Your webhook URL, when its secret was last rotated, and how deliveries fare");
        vendor.MapPut("/webhooks/endpoint", SetEndpoint).WithName("SetWebhookEndpoint")
            .WithSummary("Set (or, with url null, remove) the URL the vault posts your notifications to").ProducesValidationProblem();
        vendor.MapPost("/webhooks/secret", RotateSecret).WithName("RotateWebhookSecret")
            .WithSummary("Replace your webhook signing secret; the response shows the new one once");
        vendor.MapGet("/webhooks/deliveries", Deliveries).WithName("ListWebhookDeliveries")
            .WithSummary("Your notifications, newest first, optionally in one status (pending, delivered, failed)").ProducesValidationProblem();
        vendor.MapPost("/webhooks/deliveries/{deliveryId:guid}/redeliver", Redeliver).WithName("RedeliverWebhook")
            .WithSummary("Send a failed (or delivered) notification again, with the same webhook-id")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return vendor;
    }

    private static async Task<Ok<WebhookSettings>> Get(CallingVendor vendor, IQuerySession session, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var secret = await session.LoadAsync<VendorWebhookSecret>(vendor.Id, cancellationToken);
        var health = await HealthAsync(dataSource, [vendor.Id], cancellationToken);
        return TypedResults.Ok(new WebhookSettings(vendor.Vendor.WebhookUrl, secret?.RotatedAt, health[vendor.Id]));
    }

    private static async Task<Ok<WebhookSettings>> SetEndpoint(
        WebhookEndpointBody body, CallingVendor vendor, SafeUrls safeUrls, IDocumentSession session, NpgsqlDataSource dataSource, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        await safeUrls.ValidateAsync(body.Url, "url", cancellationToken);
        var stream = await session.Events.FetchForWriting<Vendor>(vendor.Id, cancellationToken);
        stream.AppendOne(new VendorWebhookChanged(vendor.Id, body.Url, clock.Now()));
        await session.SaveChangesAsync(cancellationToken);
        var secret = await session.LoadAsync<VendorWebhookSecret>(vendor.Id, cancellationToken);
        return TypedResults.Ok(new WebhookSettings(body.Url, secret?.RotatedAt, (await HealthAsync(dataSource, [vendor.Id], cancellationToken))[vendor.Id]));
    }

    private static async Task<Ok<WebhookSecretView>> RotateSecret(
        CallingVendor vendor, IDocumentSession session, MasterKeys masterKeys, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var stream = await session.Events.FetchForWriting<Vendor>(vendor.Id, cancellationToken);
        var secret = WebhookSignature.NewSecret();
        stream.AppendOne(new VendorWebhookSecretRotated(vendor.Id, now));
        session.Store(VendorWebhookSecret.Seal(masterKeys, vendor.Id, secret, now));
        await session.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new WebhookSecretView(secret, now));
    }

    private static async Task<Ok<Page<DeliveryView>>> Deliveries(
        string? status, int? limit, int? offset, CallingVendor vendor, NpgsqlDataSource dataSource, HttpRequest request, CancellationToken cancellationToken)
    {
        if (status is not null && !Statuses.Contains(status))
        {
            throw RequestValidationException.For("status", "must be pending, delivered or failed.");
        }

        var paging = Paging.Of(limit, offset);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
             SELECT id, type, subject, status, attempts, created_at, next_attempt_at, last_attempt_at, delivered_at, last_error
             FROM {WebhookOutbox.Table} WHERE vendor_id = $1 AND ($2::text IS NULL OR status = $2)
             ORDER BY ordinal DESC LIMIT $3 OFFSET $4
             """, connection)
        {
            Parameters =
            {
                new() { Value = vendor.Id }, new() { Value = (object?)status ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text },
                new() { Value = paging.Limit + 1 }, new() { Value = paging.Offset },
            },
        };
        var deliveries = new List<DeliveryView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var state = reader.GetString(3);
            deliveries.Add(new DeliveryView(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), state, reader.GetInt32(4),
                reader.GetFieldValue<DateTimeOffset>(5), state == "pending" ? reader.GetFieldValue<DateTimeOffset>(6) : null,
                reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7), reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                reader.IsDBNull(9) ? null : reader.GetString(9)));
        }

        return TypedResults.Ok(paging.Page(deliveries, request));
    }

    private static async Task<Results<Accepted, ProblemHttpResult>> Redeliver(
        Guid deliveryId, CallingVendor vendor, NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
             UPDATE {WebhookOutbox.Table} SET status = 'pending', attempts = 0, next_attempt_at = $3, last_error = NULL, delivered_at = NULL
             WHERE id = $1 AND vendor_id = $2 AND status <> 'pending'
             RETURNING id
             """, connection)
        {
            Parameters = { new() { Value = deliveryId }, new() { Value = vendor.Id }, new() { Value = clock.Now() } },
        };
        if (await command.ExecuteScalarAsync(cancellationToken) is not null)
        {
            return TypedResults.Accepted($"/v1/webhooks/deliveries?status=pending");
        }

        await using var exists = new NpgsqlCommand($"SELECT status FROM {WebhookOutbox.Table} WHERE id = $1 AND vendor_id = $2", connection)
        {
            Parameters = { new() { Value = deliveryId }, new() { Value = vendor.Id } },
        };
        return await exists.ExecuteScalarAsync(cancellationToken) is string
            ? throw new ConflictException("This notification is already waiting to be delivered.", "pending")
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such delivery.");
    }

    public static async Task<IReadOnlyDictionary<Guid, WebhookHealth>> HealthAsync(NpgsqlDataSource dataSource, Guid[] vendorIds, CancellationToken cancellationToken)
    {
        var health = vendorIds.ToDictionary(id => id, _ => new WebhookHealth("unknown", null, null, 0, null));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT vendor_id, last_success_at, failing_since, consecutive_failures, last_error FROM {WebhookOutbox.HealthTable} WHERE vendor_id = ANY($1)", connection)
        {
            Parameters = { new() { Value = vendorIds } },
        };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var failingSince = reader.IsDBNull(2) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(2);
            health[reader.GetGuid(0)] = new WebhookHealth(failingSince is null ? "healthy" : "failing",
                reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1), failingSince, reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4));
        }

        return health;
    }
}
