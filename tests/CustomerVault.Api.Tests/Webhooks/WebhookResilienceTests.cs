using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Webhooks;

public sealed class WebhookResilienceTests(WebhookVaultApp app) : IClassFixture<WebhookVaultApp>, IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task A_notification_committed_by_a_process_that_stopped_before_delivering_is_delivered_after_a_restart()
    {
        // Its own database: the class's vault would otherwise deliver what the stopped process left behind.
        var database = await TestDatabase.CreateDatabaseAsync($"t_restart_{Guid.NewGuid():N}");
        await using var stopped = new VaultNode(database, dispatch: false);
        await stopped.InitializeAsync();
        var vendor = await stopped.RegisterVendorAsync(webhookUrl: _receiver.Url);
        var customer = await stopped.SignUpAsync();
        var grantId = await stopped.GrantAsync(vendor, customer);
        using (var customerApi = stopped.Api(customer))
        {
            (await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { })).EnsureSuccessStatusCode();
        }

        await stopped.DisposeAsync();
        Assert.Empty(_receiver.Requests);

        await using var restarted = new VaultNode(database, dispatch: true);
        await restarted.InitializeAsync();

        var received = await _receiver.WaitForAsync(r => r.Any(w => w.Type == "com.customervault.grant.revoked"));
        Assert.Equal(["com.customervault.access-request.approved", "com.customervault.grant.revoked"], received.Select(w => w.Type));
        Assert.All(received, w => Assert.Equal(grantId.ToString(), (string?)w.Data["grantId"]));
    }

    [Fact]
    public async Task Consecutive_failures_open_the_endpoints_circuit_and_it_closes_once_the_endpoint_recovers()
    {
        var vendor = await app.RegisterVendorAsync(webhookUrl: _receiver.Url);
        var customer = await app.SignUpAsync();
        _receiver.Down = true;
        var grantId = await app.GrantAsync(vendor, customer);

        // WebhookVaultApp: the circuit opens after 3 failures, each retry comes 10 s later on the vault's clock.
        await WaitForAttemptsAsync(vendor, 1);
        for (var attempt = 2; attempt <= 4; attempt++)
        {
            app.Clock.Advance(TimeSpan.FromSeconds(10));
            await WaitForAttemptsAsync(vendor, attempt);
        }

        Assert.Equal(3, _receiver.Requests.Count);
        Assert.StartsWith("circuit open", await LastErrorAsync(vendor));

        _receiver.Down = false;
        app.Clock.Advance(TimeSpan.FromSeconds(10));
        await WaitForAttemptsAsync(vendor, 5);
        Assert.Equal(3, _receiver.Requests.Count);

        // After the break (one minute on the same clock, no real waiting) one trial goes through and closes the circuit.
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        var received = await _receiver.WaitForAsync(r => r.Count > 0);
        Assert.Equal(grantId.ToString(), (string?)received.Single().Data["grantId"]);

        using var vendorApi = await app.FreshApiAsync(vendor);
        (await vendorApi.PostAsJsonAsync($"/v1/grants/{grantId}/relinquish", new { })).EnsureSuccessStatusCode();
        await _receiver.WaitForAsync(r => r.Any(w => w.Type == "com.customervault.grant.relinquished"));
    }

    [Fact]
    public async Task Two_nodes_delivering_at_once_send_each_notification_once()
    {
        await using var second = new VaultNode(app.ConnectionString, dispatch: true);
        await second.InitializeAsync();
        var vendor = await app.RegisterVendorAsync(webhookUrl: _receiver.Url);
        var customer = await app.SignUpAsync();
        using var customerApi = app.Api(customer);

        for (var i = 0; i < 8; i++)
        {
            var grantId = await app.GrantAsync(vendor, customer, purpose: i % 2 == 0 ? "marketing" : "analytics");
            await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { });
        }

        var received = await _receiver.WaitForAsync(r => r.Count >= 16);
        await Task.Delay(500);
        Assert.Equal(16, _receiver.Requests.Count);
        Assert.Equal(16, received.Select(w => w.Id).Distinct().Count());
    }

    private Task WaitForAttemptsAsync(RegisteredVendor vendor, int attempts) =>
        Eventually.HoldsAsync(async () => await AttemptsAsync(vendor) >= attempts, $"Delivery attempt {attempts} did not happen in time.");

    private async Task<int> AttemptsAsync(RegisteredVendor vendor)
    {
        await using var connection = await app.OpenDatabaseAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT coalesce(max(attempts), 0) FROM vault.webhook_outbox WHERE vendor_id = $1", connection)
        {
            Parameters = { new() { Value = vendor.Id } },
        };
        return Convert.ToInt32(await command.ExecuteScalarAsync());
    }

    private async Task<string?> LastErrorAsync(RegisteredVendor vendor)
    {
        using var vendorApi = await app.FreshApiAsync(vendor);
        var deliveries = await (await vendorApi.GetAsync("/v1/webhooks/deliveries?status=pending")).JsonAsync();
        return (string?)deliveries["items"]!.AsArray().Single()!["lastError"];
    }

    /// <summary>A second vault process on the same database, started and stopped by the test.</summary>
    private sealed class VaultNode(string connectionString, bool dispatch) : WebhookVaultApp
    {
        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
        {
            ["Vault:Webhooks:Dispatch"] = dispatch ? "true" : "false",
        };

        public override Task InitializeAsync()
        {
            ConnectionString = connectionString;
            _ = Server;
            return Task.CompletedTask;
        }
    }
}
