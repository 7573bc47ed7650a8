using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace CustomerVault.Api.Tests.Support;

/// <summary>One request the receiver got, as it arrived.</summary>
public sealed record ReceivedWebhook(string Id, long Timestamp, string Signature, string Body, bool Accepted)
{
    public JsonObject Event => JsonNode.Parse(Body)!.AsObject();

    public string Type => (string)Event["type"]!;

    public JsonObject Data => Event["data"]!.AsObject();
}

/// <summary>A vendor's webhook endpoint on real HTTP on loopback, which a test can take down and bring back.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app) => _app = app;

    public ConcurrentQueue<ReceivedWebhook> Requests { get; } = new();

    public bool Down { get; set; }

    /// <summary>How long it takes to answer each request (a slow receiver).</summary>
    public TimeSpan Delay { get; set; }

    private int _arrivals;

    /// <summary>Requests that arrived, answered or not yet.</summary>
    public int Arrivals => Volatile.Read(ref _arrivals);

    public string Url { get; private set; } = "";

    /// <summary>The notifications it accepted (answered 2xx).</summary>
    public IReadOnlyList<ReceivedWebhook> Accepted => Requests.Where(r => r.Accepted).ToList();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hooks/vault", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref receiver._arrivals);
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            await Task.Delay(receiver.Delay);
            var accepted = !receiver.Down;
            receiver.Requests.Enqueue(new ReceivedWebhook(request.Headers["webhook-id"].ToString(), long.Parse(request.Headers["webhook-timestamp"].ToString()),
                request.Headers["webhook-signature"].ToString(), body, accepted));
            return accepted ? Results.NoContent() : Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = $"{address}/hooks/vault";
        return receiver;
    }

    /// <summary>Waits (a bounded while, polling) until the accepted notifications satisfy <paramref name="done"/>.</summary>
    public async Task<IReadOnlyList<ReceivedWebhook>> WaitForAsync(Func<IReadOnlyList<ReceivedWebhook>, bool> done, TimeSpan? timeout = null)
    {
        await Eventually.HoldsAsync(() => done(Accepted),
            () => $"The expected notifications did not arrive; accepted so far: {string.Join(", ", Accepted.Select(a => a.Type))}", timeout);
        return Accepted;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

public static class Deliveries
{
    /// <summary>Waits until the vendor's one delivery has been attempted, and returns why it failed.</summary>
    public static async Task<string?> FirstFailureAsync(this VaultApp app, RegisteredVendor vendor)
    {
        using var vendorApi = app.Api(vendor);
        string? lastError = null;
        await Eventually.HoldsAsync(async () =>
        {
            var deliveries = await (await vendorApi.GetAsync("/v1/webhooks/deliveries")).JsonAsync();
            lastError = (string?)deliveries["items"]!.AsArray().SingleOrDefault()?["lastError"];
            return lastError is not null;
        }, "The delivery was not attempted.");
        return lastError;
    }
}

/// <summary>The vault with a fast dispatcher and short retry waits (on its fake clock), for webhook tests.</summary>
public class WebhookVaultApp : VaultApp
{
    protected override IDictionary<string, string?> Settings => WebhookSettings();

    /// <summary>These settings, for a vault of another kind that delivers webhooks too.</summary>
    public static IDictionary<string, string?> WebhookSettings() => new Dictionary<string, string?>
    {
        ["Vault:Webhooks:PollInterval"] = "00:00:00.050",
        ["Vault:Webhooks:RetryAttempts"] = "0",
        ["Vault:Webhooks:RetrySchedule:0"] = "00:00:10",
        ["Vault:Webhooks:RetrySchedule:1"] = "00:00:10",
        ["Vault:Webhooks:RetrySchedule:2"] = "00:00:10",
        ["Vault:Webhooks:RetrySchedule:3"] = "00:00:10",
        ["Vault:Webhooks:RetrySchedule:4"] = "00:00:10",
        ["Vault:Webhooks:RetrySchedule:5"] = "00:00:10",
        ["Vault:Webhooks:CircuitMinimumThroughput"] = "3",
        ["Vault:Webhooks:CircuitSamplingDuration"] = "00:10:00",
        ["Vault:Webhooks:CircuitBreakDuration"] = "00:01:00",
    };
}
