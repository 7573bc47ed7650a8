using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.Telemetry;
using CustomerVault.Vendors;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CustomerVault.Webhooks;

/// <summary>
/// Delivers the outbox. Any node may run it. It claims due deliveries with a lease (<see cref="OutboxLeases"/>), then
/// sends outside any database transaction: one task per vendor endpoint, endpoints in parallel up to
/// <see cref="WebhookOptions.MaxParallelEndpoints"/>, each endpoint's notifications one after another. A slow or
/// failing receiver thus holds only its own slot, never a lock or another vendor's notifications. Only the oldest
/// pending notification of a grant or request is due, so each subject's notifications arrive in order.
/// </summary>
public sealed class WebhookDispatcher(
    NpgsqlDataSource dataSource,
    IDocumentStore store,
    IHttpClientFactory httpClients,
    SafeUrls safeUrls,
    MasterKeys masterKeys,
    TimeProvider clock,
    IOptions<WebhookOptions> options,
    IMeterFactory meters,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";
    private const int BatchSize = 50;

    private readonly Counter<long> _attempts = meters.Create(VaultTelemetry.MeterName).CreateCounter<long>(
        "customervault.webhook.delivery.attempts", "{attempt}",
        "Webhook delivery attempts, by result: delivered, retrying (failed, another attempt is scheduled) or abandoned (failed, no attempt left).");

    private readonly OutboxLeases _leases = new(dataSource, $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..8]}");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Dispatch)
        {
            return;
        }

        var sending = new Dictionary<Guid, Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                foreach (var done in sending.Where(s => s.Value.IsCompleted).Select(s => s.Key).ToList())
                {
                    sending.Remove(done);
                }

                var claimed = 0;
                try
                {
                    claimed = await ClaimAndStartAsync(sending, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogError(e, "Could not claim webhook deliveries; retrying shortly");
                }

                if (claimed == 0)
                {
                    // Real time, not the vault's clock: how often to look is an operational matter, what is due is not.
                    await Task.WhenAny(sending.Values.Append(Task.Delay(options.Value.PollInterval, stoppingToken)));
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await Task.WhenAll(sending.Values);
            await ReleaseClaimsAsync();
        }
    }

    private async Task<int> ClaimAndStartAsync(Dictionary<Guid, Task> sending, CancellationToken stoppingToken)
    {
        var free = options.Value.MaxParallelEndpoints - sending.Count;
        if (free <= 0)
        {
            return 0;
        }

        var claimed = await _leases.ClaimAsync(clock.Now(), sending.Keys, free, BatchSize, Lease, stoppingToken);
        foreach (var endpoint in claimed.GroupBy(d => d.VendorId))
        {
            sending[endpoint.Key] = Task.Run(() => DeliverToEndpointAsync(endpoint.Key, endpoint.ToList(), stoppingToken), CancellationToken.None);
        }

        return claimed.Count;
    }

    /// <summary>Sends one vendor's claimed notifications in order; after a failure the rest wait for their next attempt.</summary>
    private async Task DeliverToEndpointAsync(Guid vendorId, IReadOnlyList<PendingDelivery> deliveries, CancellationToken cancellationToken)
    {
        try
        {
            await using var session = store.QuerySession();
            var vendor = await session.LoadAsync<Vendor>(vendorId, cancellationToken);
            var secret = await session.LoadAsync<VendorWebhookSecret>(vendorId, cancellationToken);
            Failure? endpointFailure = null;
            foreach (var delivery in deliveries)
            {
                if (!await _leases.RenewAsync(delivery.Id, Lease, cancellationToken))
                {
                    logger.LogWarning("Webhook {WebhookId}: this node's claim ran out before it was sent; another node has it", delivery.Id);
                    continue;
                }

                var outcome = endpointFailure is not null
                    ? new Failure("an earlier notification to this endpoint just failed", "endpoint_failing")
                    : await SendAsync(delivery, vendor, secret, cancellationToken);
                endpointFailure ??= outcome;
                await RecordAsync(delivery, outcome, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down: what is still claimed is released, or its lease runs out.
        }
        catch (Exception e)
        {
            // Its claims run out and another round (on this node or another) sends them again.
            logger.LogError(e, "Delivering webhooks to vendor {VendorId} failed", vendorId);
        }
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

    /// <summary>Why an attempt failed: in words for the vendor's delivery log, and as a short fixed type for metrics.</summary>
    private sealed record Failure(string Message, string Type);

    private async Task<Failure?> SendAsync(PendingDelivery delivery, Vendor? vendor, VendorWebhookSecret? secret, CancellationToken cancellationToken)
    {
        if (vendor?.WebhookUrl is not { } url)
        {
            return new Failure("the vendor has no webhook URL", "no_endpoint");
        }

        if (secret is null)
        {
            return new Failure("the vendor has no webhook secret", "no_secret");
        }

        // Through a proxy the vault never connects to the receiver itself: its address is checked here instead.
        if (options.Value.Proxy is not null && await safeUrls.AllowedAddressAsync(new Uri(url).Host, cancellationToken) is null)
        {
            return new Failure(
                $"Refused to send to {new Uri(url).Host}: it resolves to a loopback, private, link-local, metadata or other special-purpose address.", "unsafe_address");
        }

        var body = Body(delivery, options.Value.Source);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        var key = secret.Open(masterKeys);
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

        // However the retries and their back-off add up, a send ends well within its lease.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(options.Value.SendBudget);
        try
        {
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, budget.Token);
            return response.IsSuccessStatusCode
                ? null
                : new Failure($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}", ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or TimeoutException or Polly.CircuitBreaker.BrokenCircuitException
                                       or Polly.Timeout.TimeoutRejectedException && !cancellationToken.IsCancellationRequested)
        {
            return e is Polly.CircuitBreaker.BrokenCircuitException ? new Failure("circuit open: the endpoint failed repeatedly; waiting before trying it again", "circuit_open")
                : budget.IsCancellationRequested ? new Failure($"no answer within {options.Value.SendBudget.TotalSeconds:F0} s", "timeout")
                : new Failure(e.Message, e is HttpRequestException ? "connection" : "timeout");
        }
    }

    private async Task RecordAsync(PendingDelivery delivery, Failure? failure, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var schedule = options.Value.RetrySchedule;
        var attempts = delivery.Attempts + 1;
        DateTimeOffset? retryAt = failure is not null && attempts <= schedule.Count ? now + schedule[attempts - 1] : null;
        if (!await _leases.RecordAsync(delivery, now, failure?.Message, retryAt, cancellationToken))
        {
            logger.LogWarning("Webhook {WebhookId}: the outcome was not recorded, this node's claim had run out", delivery.Id);
            return;
        }

        if (failure is null)
        {
            _attempts.Add(1, new KeyValuePair<string, object?>(VaultTelemetry.DeliveryResult, "delivered"));
            return;
        }

        _attempts.Add(1, new KeyValuePair<string, object?>(VaultTelemetry.DeliveryResult, retryAt is null ? "abandoned" : "retrying"),
            new KeyValuePair<string, object?>(VaultTelemetry.ErrorType, failure.Type));
        logger.LogWarning("Webhook {WebhookId} to vendor {VendorId} failed (attempt {Attempt}): {Failure}", delivery.Id, delivery.VendorId, attempts, failure.Message);
    }

    private async Task ReleaseClaimsAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _leases.ReleaseAllAsync(timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or InvalidOperationException)
        {
            logger.LogInformation("Could not release this node's webhook claims on shutdown; their leases run out instead: {Reason}", e.Message);
        }
    }

    private TimeSpan Lease => options.Value.SendBudget * 2 + TimeSpan.FromSeconds(30);
}
