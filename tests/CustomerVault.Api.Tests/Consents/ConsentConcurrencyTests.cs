using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using CustomerVault.Api.Tests.Support;
using Npgsql;

namespace CustomerVault.Api.Tests.Consents;

public sealed class ConsentConcurrencyTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task Approve_and_deny_racing_on_one_request_one_wins_the_other_gets_409()
    {
        var vendor = await app.RegisterVendorAsync();
        using var vendorApi = app.Api(vendor);
        for (var round = 0; round < 5; round++)
        {
            var customer = await app.SignUpAsync();
            using var customerApi = app.Api(customer);
            var requestId = await (await vendorApi.RequestAccessAsync(await app.ConnectAsync(vendor, customer))).IdAsync();

            var responses = await Task.WhenAll(
                customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve", new { }),
                customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/deny", new { }));

            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], responses.Select(r => r.StatusCode).Order());
            var winner = await responses.Single(r => r.IsSuccessStatusCode).JsonAsync();
            var final = await (await customerApi.GetAsync($"/v1/me/access-requests/{requestId}")).JsonAsync();
            Assert.Equal((string?)winner["status"], (string?)final["status"]);
            var grants = (await (await customerApi.GetAsync("/v1/me/grants")).JsonAsync())["items"]!.AsArray();
            Assert.Equal((string?)final["status"] == "approved" ? 1 : 0, grants.Count);
        }
    }

    [Fact]
    public async Task Revoke_and_reads_racing_no_read_is_served_after_the_revoke_was_acknowledged_and_every_served_read_is_logged()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var vendorApi = app.Api(vendor);
        using var customerApi = app.Api(customer);

        var revokedAt = DateTime.MaxValue;
        var served = new ConcurrentBag<(DateTime Started, DateTime Finished)>();
        var refused = new ConcurrentBag<DateTime>();
        using var stop = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var started = DateTime.UtcNow;
                var response = await vendorApi.ReadProfileAsync(customerId);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    served.Add((started, DateTime.UtcNow));
                }
                else
                {
                    // 403 once the revocation is in; 409 for a read whose grant was revoked while it was being logged.
                    Assert.Contains(response.StatusCode, new[] { HttpStatusCode.Forbidden, HttpStatusCode.Conflict });
                    refused.Add(started);
                }
            }
        })).ToList();

        // Revoked once reads are being served (a fixed delay is not always enough on a busy machine).
        for (var waited = 0; served.IsEmpty && waited < 30_000; waited += 50)
        {
            await Task.Delay(50);
        }

        await Task.Delay(100);
        var revoke = await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { });
        revokedAt = DateTime.UtcNow;
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);
        await Task.Delay(300);
        await stop.CancelAsync();
        await Task.WhenAll(readers);

        Assert.NotEmpty(served);
        Assert.NotEmpty(refused);
        Assert.DoesNotContain(served, r => r.Started > revokedAt);
        Assert.Equal(served.Count, await CountReadsAsync(customer.Id));
    }

    private async Task<long> CountReadsAsync(Guid customerId)
    {
        await using var db = await app.OpenDatabaseAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM vault.access_log WHERE customer_id = $1 AND kind = 'read'", db)
        {
            Parameters = { new() { Value = customerId } },
        };
        return (long)(await count.ExecuteScalarAsync())!;
    }
}

/// <summary>Two API nodes on one database: a decision acknowledged by one is in force on the other at once.</summary>
public sealed class TwoNodesTests(VaultApp nodeA) : IClassFixture<VaultApp>, IAsyncLifetime
{
    private SecondNode _nodeB = null!;

    public async Task InitializeAsync()
    {
        _nodeB = new SecondNode(nodeA.ConnectionString);
        await _nodeB.InitializeAsync();
    }

    public async Task DisposeAsync() => await _nodeB.DisposeAsync();

    [Fact]
    public async Task Revoke_through_one_node_and_the_read_through_the_other_is_refused_at_once()
    {
        var vendor = await nodeA.RegisterVendorAsync();
        var customer = await nodeA.SignUpAsync();
        var grantId = await nodeA.GrantAsync(vendor, customer);
        var customerId = await nodeA.ConnectAsync(vendor, customer);
        using var vendorOnB = _nodeB.CreateApiClient(vendor.AccessToken);
        using var customerOnA = nodeA.Api(customer);
        Assert.Equal(HttpStatusCode.OK, (await vendorOnB.ReadProfileAsync(customerId)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await customerOnA.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { })).StatusCode);

        await (await vendorOnB.ReadProfileAsync(customerId)).AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    private sealed class SecondNode(string connectionString) : VaultApp
    {
        public override Task InitializeAsync()
        {
            typeof(VaultApp).GetProperty(nameof(ConnectionString))!.SetValue(this, connectionString);
            _ = Server;
            return Task.CompletedTask;
        }
    }
}
