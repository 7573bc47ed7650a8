using System.Net.Http.Json;
using CustomerVault.Api.Tests.Support;
using Npgsql;

namespace CustomerVault.Api.Tests.Operations;

/// <summary>
/// Clients that stop waiting (a timeout, a closed tab) while their change is being saved. The change used to be
/// cancelled half-way through its commit, leaving Marten tombstones for the events it had begun to store and no
/// trace in the logs; now the vault completes it.
/// </summary>
public sealed class AbandonedWritesTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task Approvals_whose_clients_give_up_midway_run_to_their_end_no_transaction_is_cut_short_and_nothing_is_logged_as_an_error()
    {
        var vendor = await app.RegisterVendorAsync();
        var customers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => app.SignUpAsync()));
        var requests = new List<(SignedInCustomer Customer, Guid RequestId)>();

        await Task.WhenAll(customers.Select(async customer =>
        {
            using var vendorApi = app.Api(vendor);
            using var customerApi = app.Api(customer);
            var customerId = await app.ConnectAsync(vendor, customer);
            for (var attempt = 0; attempt < 20; attempt++)
            {
                var requestId = await (await vendorApi.RequestAccessAsync(customerId)).IdAsync();
                lock (requests)
                {
                    requests.Add((customer, requestId));
                }

                // The client gives up after a few milliseconds: before, during or after the commit.
                using var impatient = new CancellationTokenSource(TimeSpan.FromMilliseconds(1 + attempt));
                try
                {
                    await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve", new { }, impatient.Token);
                }
                catch (OperationCanceledException)
                {
                }

                // Keeps the vendor under its cap of pending requests; refused with 409 when the approval went through.
                await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/deny", new { });
            }
        }));
        // Marten writes tombstones off the failing request's path, a moment later.
        await Task.Delay(TimeSpan.FromSeconds(1));

        await using var db = await app.OpenDatabaseAsync();
        await using var tombstones = new NpgsqlCommand("SELECT count(*) FROM vault.mt_events WHERE type = 'tombstone'", db);
        Assert.Equal(0L, (long)(await tombstones.ExecuteScalarAsync())!);
        foreach (var (customer, requestId) in requests)
        {
            using var api = app.Api(customer);
            var request = await (await api.GetAsync($"/v1/me/access-requests/{requestId}")).JsonAsync();
            Assert.Contains((string?)request["status"], new[] { "approved", "denied" });
            if ((string?)request["status"] == "approved")
            {
                Assert.Equal(System.Net.HttpStatusCode.OK, (await api.GetAsync($"/v1/me/grants/{(Guid)request["grantId"]!}")).StatusCode);
            }
        }

        Assert.DoesNotContain(app.Logs, line => line.StartsWith("Error Microsoft.AspNetCore.Diagnostics", StringComparison.Ordinal));
    }
}
