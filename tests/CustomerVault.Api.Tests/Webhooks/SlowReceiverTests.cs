using CustomerVault.Api.Tests.Support;
using Npgsql;

namespace CustomerVault.Api.Tests.Webhooks;

/// <summary>Its own vault: a dispatcher busy with one slow receiver, and what that must not hold up.</summary>
public sealed class SlowReceiverTests(WebhookVaultApp app) : IClassFixture<WebhookVaultApp>
{
    [Fact]
    public async Task A_receiver_that_takes_seconds_to_answer_delays_no_other_vendor_and_holds_no_database_transaction_open()
    {
        await using var slow = await WebhookReceiver.StartAsync();
        await using var fast = await WebhookReceiver.StartAsync();
        slow.Delay = TimeSpan.FromSeconds(8); // within the 10 s an attempt may take
        var slowVendor = await app.RegisterVendorAsync(webhookUrl: slow.Url);
        var fastVendor = await app.RegisterVendorAsync(webhookUrl: fast.Url);
        var customer = await app.SignUpAsync();

        await app.GrantAsync(slowVendor, customer);
        await Eventually.HoldsAsync(() => slow.Arrivals > 0, "The slow receiver was never called.");
        await app.GrantAsync(fastVendor, customer);

        await fast.WaitForAsync(r => r.Count > 0, TimeSpan.FromSeconds(4));
        Assert.Empty(slow.Accepted);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Empty(slow.Accepted);
        Assert.Equal(0, await TransactionsIdleForASecondAsync());

        await slow.WaitForAsync(r => r.Count > 0, TimeSpan.FromSeconds(15));
    }

    private async Task<long> TransactionsIdleForASecondAsync()
    {
        await using var db = await app.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(
            """
            SELECT count(*) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()
              AND state LIKE 'idle in transaction%' AND xact_start < now() - interval '1 second'
            """, db);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
