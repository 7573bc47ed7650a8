using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Infrastructure.Database;
using Microsoft.Extensions.DependencyInjection;

namespace CustomerVault.Api.Tests.Operations;

/// <summary>The vault's own PostgreSQL dies under write load: the vault notices, restarts it, and loses nothing it acknowledged.</summary>
public sealed class EmbeddedDatabaseSupervisionTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(TestDatabase.RunDirectory, $"supervised-{Guid.NewGuid():N}");
    private EmbeddedVaultApp _app = null!;

    public async Task InitializeAsync()
    {
        // The writers grant again and again until told to stop; on a fast machine that outruns the per-vendor cap.
        _app = new EmbeddedVaultApp(_dataDirectory, new Dictionary<string, string?>
        {
            ["Vault:Consents:MaxActiveGrantsPerVendorAndCustomer"] = "100000",
            ["Vault:Consents:MaxActiveGrantsPerCustomer"] = "100000",
        });
        await _app.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Killed_with_kill_9_its_PostgreSQL_is_back_within_15_s_meanwhile_requests_get_503_with_Retry_After_and_no_acknowledged_write_is_lost()
    {
        var server = _app.Services.GetRequiredService<VaultDatabase>().EmbeddedServer!;
        var vendor = await _app.RegisterVendorAsync();
        var customers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => _app.SignUpAsync()));
        using var probe = _app.CreateApiClient();
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/health/ready")).StatusCode);

        // Each customer grants the vendor access again and again; every 201 is a write the vault acknowledged.
        var acknowledged = new ConcurrentBag<(SignedInCustomer Customer, Guid GrantId)>();
        var refusals = new ConcurrentBag<(HttpResponseMessage Response, string Body)>();
        using var stop = new CancellationTokenSource();
        var expiresAt = _app.Clock.GetUtcNow().AddDays(30);
        var writers = customers.Select(customer => Task.Run(async () =>
        {
            using var api = _app.Api(customer);
            while (!stop.IsCancellationRequested)
            {
                var response = await api.PostAsJsonAsync("/v1/me/grants", new { vendorId = vendor.Id, scopes = new[] { "email" }, purpose = "marketing", expiresAt });
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    acknowledged.Add((customer, await response.IdAsync()));
                }
                else
                {
                    refusals.Add((response, await response.Content.ReadAsStringAsync()));
                    await Task.Delay(20);
                }
            }
        })).ToList();
        await Eventually.HoldsAsync(() => acknowledged.Count >= 10, () => $"The writers got nothing acknowledged before the kill: {Refused()}");

        Assert.Equal(0, RestartsReported());
        var postmaster = server.RunningPostmaster()!.Value;
        var killedAt = Stopwatch.StartNew();
        Process.GetProcessById(postmaster).Kill();

        await Eventually.HoldsAsync(async () => (await probe.GetAsync("/health/ready")).StatusCode == HttpStatusCode.ServiceUnavailable,
            "/health/ready did not fail while the database was down.");
        await Eventually.HoldsAsync(() => !refusals.IsEmpty, "No write was refused while the database was down.");
        await Eventually.HoldsAsync(async () => (await probe.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK,
            "The vault was not ready again within 15 s of the kill.", TimeSpan.FromSeconds(15) - killedAt.Elapsed);
        var recovered = acknowledged.Count;
        await Eventually.HoldsAsync(() => acknowledged.Count >= recovered + 10, () => $"The writers got nothing acknowledged after the restart: {Refused()}");
        await stop.CancelAsync();
        await Task.WhenAll(writers);

        Assert.NotEqual(postmaster, server.RunningPostmaster());
        Assert.Equal(1, RestartsReported());
        foreach (var (refused, _) in refusals)
        {
            await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Equal(TimeSpan.FromSeconds(DatabaseUnavailableHandler.RetryAfterSeconds), refused.Headers.RetryAfter?.Delta);
        }

        foreach (var (customer, grantId) in acknowledged)
        {
            using var api = _app.Api(customer);
            Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/v1/me/grants/{grantId}")).StatusCode);
        }

        string Refused() => refusals.IsEmpty ? "none refused" : $"{(int)refusals.First().Response.StatusCode} {refusals.First().Body}";
    }

    /// <summary>What this vault's <c>customervault.embedded_database.restarts</c> reports now.</summary>
    private long RestartsReported()
    {
        var meters = _app.Services.GetRequiredService<IMeterFactory>();
        long? reported = null;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == "customervault.embedded_database.restarts")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => reported = value);
        listener.Start();
        listener.RecordObservableInstruments();
        return reported ?? throw new Xunit.Sdk.XunitException("customervault.embedded_database.restarts is not reported.");
    }
}
