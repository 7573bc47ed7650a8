using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Vendors;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CustomerVault.Webhooks;

/// <summary>
/// Delivers the outbox. Any node may run it: a node claims due rows with FOR UPDATE SKIP LOCKED and holds them while
/// it delivers, so in the normal case no two nodes send the same notification; if a node dies mid-delivery the row
/// stays pending and another sends it again with the same webhook-id (at least once). Only the oldest pending
/// notification of a grant or request is due, so each subject's notifications arrive in order.
/// </summary>
public sealed class WebhookDispatcher(
    NpgsqlDataSource dataSource,
    IDocumentStore store,
    IHttpClientFactory httpClients,
    MasterKey masterKey,
    TimeProvider clock,
    IOptions<WebhookOptions> options,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";
    private const int BatchSize = 50;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Dispatch)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            int delivered;
            try
            {
                delivered = await DeliverDueAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Webhook delivery round failed; retrying shortly");
                delivered = 0;
            }

            if (delivered == 0)
            {
                // Real time, not the vault's clock: how often to look is an operational matter, what is due is not.
                await Task.Delay(options.Value.PollInterval, stoppingToken);
            }
        }
    }

    /// <summary>Delivers what is due now; returns how many notifications it attempted.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var due = await ClaimAsync(connection, cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }

        await using var session = store.QuerySession();
        var vendors = (await session.LoadManyAsync<Vendor>(cancellationToken, due.Select(d => d.VendorId).Distinct().ToArray())).ToDictionary(v => v.Id);
        var secrets = (await session.LoadManyAsync<VendorWebhookSecret>(cancellationToken, vendors.Keys.ToArray())).ToDictionary(s => s.Id);
        var failedEndpoints = new HashSet<Guid>();
        foreach (var delivery in due)
        {
            // Once an endpoint failed in this round, its later notifications wait for the next attempt (order per subject holds anyway).
            var outcome = failedEndpoints.Contains(delivery.VendorId)
                ? "an earlier notification to this endpoint just failed"
                : await SendAsync(delivery, vendors.GetValueOrDefault(delivery.VendorId), secrets.GetValueOrDefault(delivery.VendorId), cancellationToken);
            if (outcome is not null)
            {
                failedEndpoints.Add(delivery.VendorId);
            }

            await RecordAsync(connection, delivery, outcome, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }

    /// <summary>The CloudEvents 1.0 structured-mode body of a notification.</summary>
    public static string Body(PendingDelivery delivery, string source) => new JsonObject
    {
        ["specversion"] = "1.0",
        ["id"] = delivery.Id.ToString(),
        ["source"] = source,
        ["type"] = delivery.Type,
        ["subject"] = delivery.Subject,
        ["time"] = delivery.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
        ["datacontenttype"] = "application/json",
        ["data"] = JsonNode.Parse(delivery.Data),
    }.ToJsonString();

    private async Task<string?> SendAsync(PendingDelivery delivery, Vendor? vendor, VendorWebhookSecret? secret, CancellationToken cancellationToken)
    {
        if (vendor?.WebhookUrl is not { } url)
        {
            return "the vendor has no webhook URL";
        }

        if (secret is null)
        {
            return "the vendor has no webhook secret";
        }

        var body = Body(delivery, options.Value.Source);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        var key = secret.Open(masterKey);
        using var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue("application/cloudevents+json")),
            Headers =
            {
                { "webhook-id", delivery.Id.ToString() },
                { "webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture) },
                { "webhook-signature", WebhookSignature.Sign(key, delivery.Id.ToString(), timestamp, body) },
            },
        };

        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, cancellationToken);
            return response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode} {response.ReasonPhrase}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or TimeoutException or Polly.CircuitBreaker.BrokenCircuitException
                                       or Polly.Timeout.TimeoutRejectedException && !cancellationToken.IsCancellationRequested)
        {
            return e is Polly.CircuitBreaker.BrokenCircuitException ? "circuit open: the endpoint failed repeatedly; waiting before trying it again" : e.Message;
        }
    }

    private async Task RecordAsync(NpgsqlConnection connection, PendingDelivery delivery, string? failure, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var schedule = options.Value.RetrySchedule;
        var attempts = delivery.Attempts + 1;
        var parked = failure is not null && attempts > schedule.Count;
        var sql = failure is null
            ? $"UPDATE {WebhookOutbox.Table} SET status = 'delivered', attempts = $2, last_attempt_at = $3, delivered_at = $3, last_error = NULL WHERE id = $1"
            : $"UPDATE {WebhookOutbox.Table} SET status = $4, attempts = $2, last_attempt_at = $3, next_attempt_at = $5, last_error = $6 WHERE id = $1";
        await using (var update = new NpgsqlCommand(sql, connection))
        {
            update.Parameters.Add(new() { Value = delivery.Id });
            update.Parameters.Add(new() { Value = attempts });
            update.Parameters.Add(new() { Value = now });
            if (failure is not null)
            {
                update.Parameters.Add(new() { Value = parked ? "failed" : "pending" });
                update.Parameters.Add(new() { Value = parked ? now : now + schedule[attempts - 1] });
                update.Parameters.Add(new() { Value = failure });
            }

            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        await using var health = new NpgsqlCommand(failure is null
            ? $"""
               INSERT INTO {WebhookOutbox.HealthTable} (vendor_id, last_success_at, failing_since, consecutive_failures, last_error, updated_at)
               VALUES ($1, $2, NULL, 0, NULL, $2)
               ON CONFLICT (vendor_id) DO UPDATE SET last_success_at = $2, failing_since = NULL, consecutive_failures = 0, last_error = NULL, updated_at = $2
               """
            : $"""
               INSERT INTO {WebhookOutbox.HealthTable} (vendor_id, last_success_at, failing_since, consecutive_failures, last_error, updated_at)
               VALUES ($1, NULL, $2, 1, $3, $2)
               ON CONFLICT (vendor_id) DO UPDATE SET failing_since = coalesce({WebhookOutbox.HealthTable}.failing_since, $2),
                   consecutive_failures = {WebhookOutbox.HealthTable}.consecutive_failures + 1, last_error = $3, updated_at = $2
               """, connection);
        health.Parameters.Add(new() { Value = delivery.VendorId });
        health.Parameters.Add(new() { Value = now });
        if (failure is not null)
        {
            health.Parameters.Add(new() { Value = failure });
        }

        await health.ExecuteNonQueryAsync(cancellationToken);
        if (failure is not null)
        {
            logger.LogWarning("Webhook {WebhookId} to vendor {VendorId} failed (attempt {Attempt}): {Failure}", delivery.Id, delivery.VendorId, attempts, failure);
        }
    }

    private async Task<List<PendingDelivery>> ClaimAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
             SELECT o.id, o.vendor_id, o.subject, o.type, o.data::text, o.created_at, o.attempts
             FROM {WebhookOutbox.Table} o
             WHERE o.status = 'pending' AND o.next_attempt_at <= $1
               AND NOT EXISTS (SELECT 1 FROM {WebhookOutbox.Table} p WHERE p.subject_id = o.subject_id AND p.status = 'pending' AND p.ordinal < o.ordinal)
             ORDER BY o.ordinal
             LIMIT $2
             FOR UPDATE OF o SKIP LOCKED
             """, connection)
        {
            Parameters = { new() { Value = clock.Now() }, new() { Value = BatchSize } },
        };
        var due = new List<PendingDelivery>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            due.Add(new PendingDelivery(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetInt32(6)));
        }

        return due;
    }
}

public sealed record PendingDelivery(Guid Id, Guid VendorId, string Subject, string Type, string Data, DateTimeOffset CreatedAt, int Attempts);
