using System.Net;
using System.Net.Sockets;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Infrastructure.Database;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CustomerVault.Api.Tests.Operations;

public sealed class DatabaseAvailabilityTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(TestDatabase.RunDirectory, $"availability-{Guid.NewGuid():N}");
    private readonly int _port = FreePort();
    private EmbeddedPostgresServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await StartServerAsync();
        await _server.EnsureDatabaseAsync("customervault");
    }

    public async Task DisposeAsync()
    {
        await _server.StopAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task With_every_member_of_a_cluster_listed_the_vault_writes_and_reads_through_the_one_that_is_up()
    {
        // The first host is down, as a failed leader would be: the vault goes on to the next one.
        var cluster = new NpgsqlConnectionStringBuilder(_server.ConnectionString("customervault").ConnectionString)
        {
            Host = $"127.0.0.1:{FreePort()},127.0.0.1:{_port}",
        };
        await using var app = new ConnectedVaultApp(cluster.ConnectionString);
        await app.InitializeAsync();

        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.SetProfileAsync(customer, """{ "identity": { "name": { "given": "Clustered" } } }""");
        await app.GrantAsync(vendor, customer);
        using var vendorApi = app.Api(vendor);
        var read = await vendorApi.ReadProfileAsync(await app.ConnectAsync(vendor, customer));

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Contains("Clustered", await read.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task While_the_database_is_down_requests_get_503_with_Retry_After_and_once_it_is_back_the_same_node_serves_again()
    {
        await using var app = new ConnectedVaultApp(_server.ConnectionString("customervault").ConnectionString);
        await app.InitializeAsync();
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.SetProfileAsync(customer, """{ "identity": { "name": { "given": "Outlasting" } } }""");
        var grant = await app.GrantAsync(vendor, customer);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var vendorApi = app.Api(vendor);
        using var customerApi = app.Api(customer);

        await _server.StopAsync();
        var read = await vendorApi.ReadProfileAsync(customerId);
        var revoke = await customerApi.PostAsync($"/v1/me/grants/{grant}/revoke", System.Net.Http.Json.JsonContent.Create(new { reason = "Not now" }));

        foreach (var refused in new[] { read, revoke })
        {
            await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.Equal(TimeSpan.FromSeconds(DatabaseUnavailableHandler.RetryAfterSeconds), refused.Headers.RetryAfter?.Delta);
            Assert.DoesNotContain("Outlasting", await refused.Content.ReadAsStringAsync());
        }

        _server = await StartServerAsync();
        HttpResponseMessage? served = null;
        await Eventually.HoldsAsync(async () => (served = await vendorApi.ReadProfileAsync(customerId)).StatusCode == HttpStatusCode.OK,
            () => $"The vault did not serve again after the database came back: {(int?)served?.StatusCode}");
        Assert.Contains("Outlasting", await served!.Content.ReadAsStringAsync());
        var revoked = await customerApi.PostAsync($"/v1/me/grants/{grant}/revoke", System.Net.Http.Json.JsonContent.Create(new { reason = "Not now" }));
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await vendorApi.ReadProfileAsync(customerId)).StatusCode);

        // The background work (access log, webhooks, expiry, checkpoints) outlived the outage: the node is still up.
        Assert.False(app.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.IsCancellationRequested);
        Assert.DoesNotContain(app.Logs, line => line.StartsWith("Error Microsoft.AspNetCore.Diagnostics", StringComparison.Ordinal));
    }

    private Task<EmbeddedPostgresServer> StartServerAsync() =>
        EmbeddedPostgresServer.StartAsync(_root, null, _port, durable: false, NullLogger.Instance, CancellationToken.None);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
