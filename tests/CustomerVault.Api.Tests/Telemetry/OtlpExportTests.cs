using System.Collections.Concurrent;
using System.Net;
using System.Text;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Api.Tests.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace CustomerVault.Api.Tests.Telemetry;

[Collection(ProcessWideSettings.Name)]
public sealed class OtlpExportTests(OtlpVaultApp app) : IClassFixture<OtlpVaultApp>
{
    [Fact]
    public async Task Spans_and_metrics_reach_the_configured_OTLP_endpoint_without_a_profile_value_or_a_token()
    {
        var marker = Guid.NewGuid().ToString("N")[..10];
        var customer = await app.SignUpAsync(email: $"otlp.{marker}@example.org");
        await app.SetProfileAsync(customer, $$"""{ "identity": { "name": { "given": "Given{{marker}}" } } }""");
        var vendor = await app.RegisterVendorAsync();
        await app.GrantAsync(vendor, customer, "name email");
        using var vendorApi = app.Api(vendor);
        Assert.Equal(HttpStatusCode.OK, (await vendorApi.ReadProfileAsync(await app.ConnectAsync(vendor, customer))).StatusCode);

        await Eventually.HoldsAsync(() =>
        {
            app.Services.GetRequiredService<TracerProvider>().ForceFlush();
            app.Services.GetRequiredService<MeterProvider>().ForceFlush();
            return app.Collector.Received("/v1/traces").Contains("/v1/customers/{customerId:guid}/profile", StringComparison.Ordinal)
                   && app.Collector.Received("/v1/metrics").Contains("customervault.vendor.reads", StringComparison.Ordinal);
        }, () => $"Not exported yet; received: {string.Join(", ", app.Collector.Paths)}");

        var traces = app.Collector.Received("/v1/traces");
        Assert.Contains("customervault", traces);
        Assert.Contains("db.query.text", traces);
        var metrics = app.Collector.Received("/v1/metrics");
        foreach (var name in new[] { "customervault.consent.decisions", "customervault.access_log.commit.duration", "http.server.request.duration", "db.client.operation.duration" })
        {
            Assert.Contains(name, metrics);
        }

        var exported = string.Join('\n', app.Collector.Paths.Select(app.Collector.Received));
        foreach (var secret in new[] { $"otlp.{marker}", $"Given{marker}", customer.Password, customer.AccessToken, customer.Tokens.RefreshToken!, vendor.AccessToken, vendor.Secret })
        {
            Assert.DoesNotContain(secret, exported);
        }
    }

    [Fact]
    public async Task The_scrape_endpoint_answers_only_on_its_own_port()
    {
        using var client = app.CreateApiClient();

        var scrape = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.NotFound, scrape.StatusCode);
    }
}

/// <summary>The vault exporting to an OTLP/HTTP collector of the test's own, with its Prometheus endpoint limited to a port it does not serve here.</summary>
public sealed class OtlpVaultApp : VaultApp
{
    public OtlpCollector Collector { get; } = new();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Vault:Telemetry:OtlpEndpoint"] = Collector.Url,
        ["Vault:Telemetry:OtlpProtocol"] = "http/protobuf",
        ["Vault:Telemetry:Prometheus:Enabled"] = "true",
        ["Vault:Telemetry:Prometheus:Port"] = "9",
    };

    public override async Task InitializeAsync()
    {
        await Collector.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Collector.DisposeAsync();
    }
}

/// <summary>
/// An OTLP/HTTP endpoint that keeps what it receives. It does not decode the protobuf: names and values are plain
/// UTF-8 inside it, which is all the tests look for.
/// </summary>
public sealed class OtlpCollector : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentQueue<byte[]>> _received = new();
    private WebApplication? _app;

    public string Url { get; private set; } = "";

    public IReadOnlyList<string> Paths => [.. _received.Keys];

    public string Received(string path) =>
        _received.TryGetValue(path, out var bodies) ? string.Join('\n', bodies.Select(b => Encoding.UTF8.GetString(b))) : "";

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapPost("/v1/{signal}", async (HttpRequest request, string signal) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            _received.GetOrAdd($"/v1/{signal}", _ => new ConcurrentQueue<byte[]>()).Enqueue(body.ToArray());
            return Results.Ok();
        });
        await _app.StartAsync();
        Url = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
