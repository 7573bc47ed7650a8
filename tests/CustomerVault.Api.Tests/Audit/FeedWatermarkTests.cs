using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Vendors;
using Marten;
using Marten.Services;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CustomerVault.Api.Tests.Audit;

/// <summary>
/// Auditors read while customers write: the feed and checkpoints read below a watermark instead of locking the event
/// table, so an append that is still open holds up neither readers nor other writers, and is not skipped either.
/// </summary>
public sealed class FeedWatermarkTests(VaultApp app) : IClassFixture<VaultApp>
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task While_an_append_is_open_the_feed_and_a_checkpoint_answer_an_approval_commits_and_the_open_append_appears_later_before_it()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        using var vendorApi = app.Api(vendor);
        var requestId = await (await vendorApi.RequestAccessAsync(await app.ConnectAsync(vendor, customer))).IdAsync();
        using var auditor = await app.AuditorAsync();
        using var admin = await app.OperatorAsync();
        var (_, caughtUp) = await ReadFeedAsync(auditor, 0);

        // An append that has reserved its sequence number and inserted its event, and has not committed yet.
        await using var held = await app.OpenDatabaseAsync();
        await using var transaction = await held.BeginTransactionAsync();
        await using (var session = app.Services.GetRequiredService<IDocumentStore>().LightweightSession(SessionOptions.ForTransaction(transaction)))
        {
            session.Events.Append(vendor.Id, new VendorWebhookSecretRotated(vendor.Id, app.Clock.GetUtcNow()));
            await session.SaveChangesAsync();
        }

        var (heldSequence, heldPosition) = await HeldEventAsync(held, vendor.Id);

        var page = await ReadFeedAsync(auditor, caughtUp).WaitAsync(Prompt);
        var checkpoint = await (await admin.PostAsJsonAsync("/v1/audit/checkpoints", new { }).WaitAsync(Prompt)).JsonAsync();
        using var customerApi = app.Api(customer);
        var approval = await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve", new { }).WaitAsync(Prompt);
        Assert.Equal(HttpStatusCode.OK, approval.StatusCode);
        var grantId = (Guid)(await approval.JsonAsync())["grantId"]!;

        Assert.All(page.Items, e => Assert.True((long)e["position"]! < heldPosition));
        Assert.True((long)checkpoint["position"]! < heldPosition);
        var (beforeCommit, _) = await ReadFeedAsync(auditor, caughtUp);
        Assert.DoesNotContain(beforeCommit, e => (string?)e["streamId"] == grantId.ToString());

        await transaction.CommitAsync();

        var (afterCommit, _) = await ReadFeedAsync(auditor, page.Last);
        var heldEvent = afterCommit.FindIndex(e => (long)e["sequence"]! == heldSequence);
        var granted = afterCommit.FindIndex(e => (string?)e["streamId"] == grantId.ToString());
        Assert.True(heldEvent >= 0, "The append that committed late never appeared in the feed.");
        Assert.True(granted > heldEvent, "The approval's events came before the earlier append in the feed.");
        Assert.True((long)afterCommit[granted]["sequence"]! > heldSequence);

        var verified = await (await auditor.GetAsync("/v1/audit/checkpoints/latest/verify")).JsonAsync();
        Assert.True((bool)verified["matches"]!, "The checkpoint no longer matches once the append below its sequence committed.");
    }

    [Fact]
    public async Task Pages_followed_to_the_end_hold_every_event_once_in_position_order()
    {
        var vendor = await app.RegisterVendorAsync();
        for (var i = 0; i < 3; i++)
        {
            await app.GrantAsync(vendor, await app.SignUpAsync());
        }

        using var auditor = await app.AuditorAsync();
        var seen = new List<JsonObject>();
        long after = 0;
        string? next;
        do
        {
            var page = await (await auditor.GetAsync($"/v1/audit/events?after={after}&limit=4")).JsonAsync();
            seen.AddRange(page["items"]!.AsArray().Select(e => e!.AsObject()));
            after = (long)page["lastPosition"]!;
            next = (string?)page["next"];
        }
        while (next is not null);

        await using var db = await app.OpenDatabaseAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM vault.mt_events", db);
        Assert.Equal((long)(await count.ExecuteScalarAsync())!, seen.Count);
        var positions = seen.Select(e => (long)e["position"]!).ToList();
        Assert.Equal(positions.Order(), positions);
        Assert.Equal(positions.Count, positions.Distinct().Count());
    }

    private static async Task<(List<JsonObject> Items, long Last)> ReadFeedAsync(HttpClient auditor, long after)
    {
        var items = new List<JsonObject>();
        while (true)
        {
            var page = await (await auditor.GetAsync($"/v1/audit/events?after={after}")).JsonAsync();
            items.AddRange(page["items"]!.AsArray().Select(e => e!.AsObject()));
            after = (long)page["lastPosition"]!;
            if (page["next"] is null)
            {
                return (items, after);
            }
        }
    }

    private static async Task<(long Sequence, long Position)> HeldEventAsync(NpgsqlConnection held, Guid streamId)
    {
        await using var command = new NpgsqlCommand(
            "SELECT c.seq_id, c.position FROM vault.event_chain c WHERE c.stream_id = $1 ORDER BY c.version DESC LIMIT 1", held)
        {
            Parameters = { new() { Value = streamId } },
        };
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return (reader.GetInt64(0), reader.GetInt64(1));
    }
}

/// <summary>Its own database: it takes the feed positions away and installs them again, as an upgrade from before them does.</summary>
public sealed class FeedUpgradeTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task Events_chained_before_feed_positions_keep_their_sequence_as_position_and_later_ones_follow_them_in_the_feed()
    {
        var vendor = await app.RegisterVendorAsync();
        await app.GrantAsync(vendor, await app.SignUpAsync());
        await using (var db = await app.OpenDatabaseAsync())
        {
            await using var downgrade = new NpgsqlCommand("ALTER TABLE vault.event_chain DROP COLUMN position", db);
            await downgrade.ExecuteNonQueryAsync();
            await using var upgrade = new NpgsqlCommand(CustomerVault.Audit.EventChain.InstallSql, db);
            await upgrade.ExecuteNonQueryAsync();
        }

        using var admin = await app.OperatorAsync();
        var checkpoint = await (await admin.PostAsJsonAsync("/v1/audit/checkpoints", new { })).JsonAsync();
        var later = await app.GrantAsync(vendor, await app.SignUpAsync());
        using var auditor = await app.AuditorAsync();

        var feed = new List<JsonObject>();
        var page = await (await auditor.GetAsync("/v1/audit/events?after=0")).JsonAsync();
        feed.AddRange(page["items"]!.AsArray().Select(e => e!.AsObject()));
        Assert.Null(page["next"]);
        var legacy = feed.TakeWhile(e => (long)e["position"]! <= (long)checkpoint["position"]!).ToList();
        Assert.NotEmpty(legacy);
        Assert.All(legacy, e => Assert.Equal((long)e["sequence"]!, (long)e["position"]!));
        Assert.Contains(feed.Skip(legacy.Count), e => (string?)e["streamId"] == later.ToString());
        await using (var db = await app.OpenDatabaseAsync())
        {
            await using var count = new NpgsqlCommand("SELECT count(*) FROM vault.mt_events", db);
            Assert.Equal((long)(await count.ExecuteScalarAsync())!, feed.Count);
        }

        Assert.True((bool)(await (await auditor.GetAsync("/v1/audit/checkpoints/latest/verify")).JsonAsync())["matches"]!);
    }
}
