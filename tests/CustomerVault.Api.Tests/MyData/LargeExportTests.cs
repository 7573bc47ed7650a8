using System.Net;
using System.Net.Http.Json;
using CustomerVault.AccessLog;
using CustomerVault.Api.Tests.Support;
using Npgsql;
using Xunit.Abstractions;

namespace CustomerVault.Api.Tests.MyData;

/// <summary>Measured while nothing else runs in the test process, so that its memory is the export's.</summary>
[CollectionDefinition(nameof(MeasuredAlone), DisableParallelization = true)]
public sealed class MeasuredAlone;

[Collection(nameof(MeasuredAlone))]
public sealed class LargeExportTests(VaultApp app, ITestOutputHelper output) : IClassFixture<VaultApp>
{
    private const int Grants = 200;

    // VAULT_TEST_EXPORT_ENTRIES=100000 measures a longer history (the figures are written to the test output).
    private static readonly int Entries = int.TryParse(Environment.GetEnvironmentVariable("VAULT_TEST_EXPORT_ENTRIES"), out var n) ? n : 50_000;
    private static readonly int Reads = Entries * 4 / 5;
    private static readonly int Contacts = Entries - Reads;

    [Fact]
    public async Task The_export_of_a_long_history_streams_from_one_snapshot_in_bounded_memory_and_verifies()
    {
        var customer = await app.SignUpAsync();
        var vendors = new List<RegisteredVendor>();
        for (var i = 0; i < 10; i++)
        {
            vendors.Add(await app.RegisterVendorAsync());
        }

        using var api = app.Api(customer);
        foreach (var batch in Enumerable.Range(0, Grants).Chunk(10))
        {
            await Task.WhenAll(batch.Select(async i => (await api.PostAsJsonAsync("/v1/me/grants", new
            {
                vendorId = vendors[i % vendors.Count].Id, scopes = new[] { "name", "email" }, purpose = "service-delivery",
                description = $"Grant number {i}", expiresAt = DateTimeOffset.UtcNow.AddYears(1),
            })).EnsureSuccessStatusCode()));
        }

        await SeedAccessLogAsync(customer.Id, vendors.Select(v => v.Id).ToList());
        var file = Path.GetTempFileName();
        try
        {
            var baseline = GC.GetTotalMemory(forceFullCollection: true);
            using var sampling = new CancellationTokenSource();
            var peak = Task.Run(async () =>
            {
                var highest = baseline;
                while (!sampling.IsCancellationRequested)
                {
                    highest = Math.Max(highest, GC.GetTotalMemory(forceFullCollection: true));
                    await Task.Delay(100, CancellationToken.None);
                }

                return highest;
            });

            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var response = await api.GetAsync("/v1/me/export", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using (var body = await response.Content.ReadAsStreamAsync())
            await using (var saved = File.Create(file))
            {
                var first = new byte[16 * 1024];
                await body.ReadExactlyAsync(first);
                var firstBytes = clock.Elapsed;
                await saved.WriteAsync(first);
                // The first bytes are here while the vault still holds its snapshot, waiting for this reader to take more.
                await Eventually.HoldsAsync(async () => await OpenExportSnapshotsAsync() == 1, () => "no export transaction open while the body is read");
                var paused = clock.Elapsed;
                await body.CopyToAsync(saved);
                output.WriteLine($"first 16 kB after {firstBytes.TotalMilliseconds:N0} ms; the rest in {(clock.Elapsed - paused).TotalMilliseconds:N0} ms");
            }

            await sampling.CancelAsync();
            var growth = await peak - baseline;
            var size = new FileInfo(file).Length;
            output.WriteLine($"{Grants} grants, {Reads:N0} reads, {Contacts:N0} contacts: {size:N0} bytes; peak managed heap growth {growth:N0} bytes");
            Assert.True(size > 15_000_000, $"the export is {size:N0} bytes");
            Assert.True(growth < size / 3, $"the heap grew by {growth:N0} bytes for an export of {size:N0}");
            await Eventually.HoldsAsync(async () => await OpenExportSnapshotsAsync() == 0, () => "the export's transaction stayed open");

            var jws = await File.ReadAllTextAsync(file);
            var validation = await Jws.ValidateAsync(jws, await app.PublishedKeysAsync(), "customervault-export+jwt");
            Assert.True(validation.IsValid, validation.Exception?.Message);
            var document = Jws.Payload(jws);
            Assert.Equal("customervault-export/v2", (string?)document["format"]);
            Assert.Equal(Grants, document["grants"]!.AsArray().Count);
            Assert.All(document["grants"]!.AsArray(), g => Assert.Equal("granted", (string?)Assert.Single(g!["receipts"]!.AsArray())!["event"]));
            var reads = document["reads"]!.AsArray();
            Assert.Equal(Reads, reads.Count);
            Assert.Equal(Contacts, document["contacts"]!.AsArray().Count);
            var times = reads.Select(r => DateTimeOffset.Parse((string)r!["at"]!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(times.OrderDescending(), times);
            Assert.Equal(Reads, reads.Select(r => (string?)r!["id"]).Distinct().Count());
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task SeedAccessLogAsync(Guid customerId, IReadOnlyList<Guid> vendorIds)
    {
        var start = app.Clock.GetUtcNow().AddDays(-30);
        // Many share a timestamp, so that paging must order by id as well.
        var entries = Enumerable.Range(0, Reads + Contacts).Select(i => new AccessLogEntry(
            Guid.CreateVersion7(), customerId, vendorIds[i % vendorIds.Count], i < Reads ? AccessKind.Read : AccessKind.Contact, "service-delivery",
            [Guid.NewGuid()], i < Reads ? ["identity.name", "contact.email"] : [], i < Reads ? null : "email",
            start.AddSeconds(i / 3), $"00-{Guid.NewGuid():N}-{i:x16}-01"));
        await using var connection = await app.OpenDatabaseAsync();
        await AccessLogTable.WriteAsync(connection, entries, CancellationToken.None);
    }

    private async Task<long> OpenExportSnapshotsAsync()
    {
        await using var connection = await app.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction' AND backend_xmin IS NOT NULL",
            connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
