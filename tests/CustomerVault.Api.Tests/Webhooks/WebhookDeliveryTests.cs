using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Webhooks;

namespace CustomerVault.Api.Tests.Webhooks;

public sealed class WebhookDeliveryTests(WebhookVaultApp app) : IClassFixture<WebhookVaultApp>, IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task Decisions_arrive_as_signed_CloudEvents_without_profile_values()
    {
        var vendor = await app.RegisterVendorAsync(webhookUrl: _receiver.Url);
        var customer = await app.SignUpAsync(email: "webhook.probe@example.org");
        var grantId = await app.GrantAsync(vendor, customer, "name email", "email");
        var customerId = await app.ConnectAsync(vendor, customer);
        using var customerApi = app.Api(customer);
        await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { reason = "Changed my mind" });

        var received = await _receiver.WaitForAsync(r => r.Any(w => w.Type == "com.customervault.grant.revoked"));

        var approved = received.Single(r => r.Type == "com.customervault.access-request.approved");
        Assert.Equal(grantId.ToString(), (string?)approved.Data["grantId"]);
        Assert.Equal(["email"], approved.Data["approvedScopes"]!.AsArray().Select(s => (string?)s));
        var revoked = received.Single(r => r.Type == "com.customervault.grant.revoked");
        Assert.Equal("1.0", (string?)revoked.Event["specversion"]);
        Assert.Equal(revoked.Id, (string?)revoked.Event["id"]);
        Assert.Equal($"grants/{grantId}", (string?)revoked.Event["subject"]);
        Assert.Equal("revoked", (string?)revoked.Data["status"]);
        Assert.Equal(customerId.ToString(), (string?)revoked.Data["customerId"]);
        // Her words stay hers: the vendor is told the grant ended, never why.
        Assert.Null(revoked.Data["reason"]);
        Assert.DoesNotContain("Changed my mind", revoked.Data.ToJsonString());
        Assert.DoesNotContain("webhook.probe", string.Concat(received.Select(r => r.Body)));

        Assert.True(WebhookSignature.Verify(vendor.WebhookSecret, revoked.Id, revoked.Timestamp, revoked.Body, revoked.Signature));
        Assert.False(WebhookSignature.Verify(WebhookSignature.NewSecret(), revoked.Id, revoked.Timestamp, revoked.Body, revoked.Signature));
        Assert.False(WebhookSignature.Verify(vendor.WebhookSecret, revoked.Id, revoked.Timestamp, revoked.Body.Replace("revoked", "active"), revoked.Signature));
        Assert.False(WebhookSignature.Verify(vendor.WebhookSecret, revoked.Id, revoked.Timestamp + 1, revoked.Body, revoked.Signature));
    }

    [Fact]
    public async Task After_a_secret_rotation_notifications_verify_with_the_new_secret()
    {
        var vendor = await app.RegisterVendorAsync(webhookUrl: _receiver.Url);
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer);
        using var vendorApi = app.Api(vendor);

        var rotated = await (await vendorApi.PostAsJsonAsync("/v1/webhooks/secret", new { })).JsonAsync();
        var newSecret = (string)rotated["secret"]!;
        await vendorApi.PostAsJsonAsync($"/v1/grants/{grantId}/relinquish", new { });

        var relinquished = (await _receiver.WaitForAsync(r => r.Any(w => w.Type == "com.customervault.grant.relinquished")))
            .Single(w => w.Type == "com.customervault.grant.relinquished");
        Assert.True(WebhookSignature.Verify(newSecret, relinquished.Id, relinquished.Timestamp, relinquished.Body, relinquished.Signature));
        Assert.False(WebhookSignature.Verify(vendor.WebhookSecret, relinquished.Id, relinquished.Timestamp, relinquished.Body, relinquished.Signature));
    }

    [Fact]
    public async Task While_the_receiver_is_down_nothing_is_lost_and_afterwards_everything_arrives_in_order_per_grant_with_stable_ids()
    {
        var vendor = await app.RegisterVendorAsync(webhookUrl: _receiver.Url);
        var customer = await app.SignUpAsync();
        var first = await app.GrantAsync(vendor, customer, "name email phone");
        var second = await app.GrantAsync(vendor, customer, "name email phone", purpose: "analytics");
        await _receiver.WaitForAsync(r => r.Count(w => w.Type == "com.customervault.access-request.approved") >= 2);

        _receiver.Down = true;
        using var customerApi = app.Api(customer);
        foreach (var grant in new[] { first, second })
        {
            await customerApi.PostAsJsonAsync($"/v1/me/grants/{grant}/narrow", new { removeScopes = new[] { "phone" } });
            await customerApi.PostAsJsonAsync($"/v1/me/grants/{grant}/narrow", new { removeScopes = new[] { "email" } });
            await customerApi.PostAsJsonAsync($"/v1/me/grants/{grant}/revoke", new { });
        }

        await Eventually.HoldsAsync(() => _receiver.Requests.Any(r => !r.Accepted), "No delivery was refused while the receiver was down.");
        var refusedIds = _receiver.Requests.Where(r => !r.Accepted).Select(r => r.Id).ToHashSet();

        _receiver.Down = false;
        for (var round = 0; round < 8 && _receiver.Accepted.Count(IsGrantChange) < 6; round++)
        {
            app.Clock.Advance(TimeSpan.FromMinutes(2));
            await Task.Delay(300);
        }

        var arrived = (await _receiver.WaitForAsync(r => r.Count(IsGrantChange) >= 6, TimeSpan.FromSeconds(20))).Where(IsGrantChange).ToList();
        foreach (var grant in new[] { first, second })
        {
            var ofGrant = arrived.Where(w => (string?)w.Data["grantId"] == grant.ToString()).DistinctBy(w => w.Id).ToList();
            Assert.Equal(["grant.narrowed", "grant.narrowed", "grant.revoked"], ofGrant.Select(w => w.Type["com.customervault.".Length..]));
            Assert.Equal(ofGrant.Select(w => (long)w.Data["version"]!).Order(), ofGrant.Select(w => (long)w.Data["version"]!));
        }

        // Every notification refused while the receiver was down was later accepted with the same webhook-id.
        Assert.Subset(arrived.Select(w => w.Id).ToHashSet(), refusedIds);
    }

    [Fact]
    public async Task A_vendor_lists_its_failed_deliveries_redelivers_one_with_the_same_id_and_cannot_touch_anothers()
    {
        var vendor = await app.RegisterVendorAsync(webhookUrl: _receiver.Url);
        var other = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        _receiver.Down = true;
        var grantId = await app.GrantAsync(vendor, customer);

        // Fail through the whole retry schedule, so the delivery is parked.
        JsonArray failed = [];
        for (var round = 0; round < 12 && failed.Count == 0; round++)
        {
            await Task.Delay(300);
            app.Clock.Advance(TimeSpan.FromMinutes(2));
            using var probe = await app.FreshApiAsync(vendor);
            failed = (await (await probe.GetAsync("/v1/webhooks/deliveries?status=failed")).JsonAsync())["items"]!.AsArray();
        }

        var parked = Assert.Single(failed)!;
        Assert.Equal("com.customervault.access-request.approved", (string?)parked["type"]);
        Assert.StartsWith("HTTP 503", (string?)parked["lastError"]);
        using var admin = await app.OperatorAsync();
        var vendorRecord = await (await admin.GetAsync($"/v1/vendors/{vendor.Id}")).JsonAsync();
        Assert.Equal("failing", (string?)vendorRecord["webhookHealth"]!["status"]);

        using var vendorApi = await app.FreshApiAsync(vendor);
        using var otherApi = await app.FreshApiAsync(other);
        await (await otherApi.PostAsJsonAsync($"/v1/webhooks/deliveries/{parked["id"]}/redeliver", new { })).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await (await otherApi.GetAsync("/v1/webhooks/deliveries")).JsonAsync())["items"]!.AsArray());

        // The last failure opened the endpoint's circuit for a minute of the vault's clock: let it pass, so the
        // redelivery is the circuit's trial rather than refused by it.
        _receiver.Down = false;
        app.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(HttpStatusCode.Accepted, (await vendorApi.PostAsJsonAsync($"/v1/webhooks/deliveries/{parked["id"]}/redeliver", new { })).StatusCode);
        var arrived = await _receiver.WaitForAsync(r => r.Any(w => w.Id == (string?)parked["id"]));
        Assert.Equal(grantId.ToString(), (string?)arrived.First(w => w.Id == (string?)parked["id"]).Data["grantId"]);
        // The dispatcher records the success after the receiver has answered, in its own commit.
        await Eventually.HoldsAsync(
            async () => (string?)(await (await admin.GetAsync($"/v1/vendors/{vendor.Id}")).JsonAsync())["webhookHealth"]!["status"] == "healthy",
            "The vendor's webhook health did not turn healthy after the redelivery succeeded.");
    }

    [Fact]
    public async Task Suspending_a_vendor_tells_it_of_each_active_grant_and_reactivating_tells_it_again()
    {
        var vendor = await app.RegisterVendorAsync(webhookUrl: _receiver.Url);
        var customer = await app.SignUpAsync();
        var active = await app.GrantAsync(vendor, customer, "name email", "email");
        var revoked = await app.GrantAsync(vendor, customer, purpose: "analytics");
        var customerId = await app.ConnectAsync(vendor, customer);
        using var customerApi = app.Api(customer);
        (await customerApi.PostAsJsonAsync($"/v1/me/grants/{revoked}/revoke", new { })).EnsureSuccessStatusCode();
        using var admin = await app.OperatorAsync();

        (await admin.PostAsJsonAsync($"/v1/vendors/{vendor.Id}/suspend", new { reason = "Audit" })).EnsureSuccessStatusCode();
        var suspended = (await _receiver.WaitForAsync(r => r.Any(w => w.Type == "com.customervault.grant.suspended")))
            .Where(w => w.Type == "com.customervault.grant.suspended").ToList();
        (await admin.PostAsJsonAsync($"/v1/vendors/{vendor.Id}/reactivate", new { })).EnsureSuccessStatusCode();
        var reactivated = (await _receiver.WaitForAsync(r => r.Any(w => w.Type == "com.customervault.grant.reactivated")))
            .Single(w => w.Type == "com.customervault.grant.reactivated");

        // Only the grant that was active; what it says is what its other notifications say of it.
        var notice = Assert.Single(suspended).Data;
        using var read = await customerApi.GetAsync($"/v1/me/grants/{active}");
        var grant = await read.JsonAsync();
        Assert.Equal(active.ToString(), (string?)notice["grantId"]);
        Assert.Equal(customerId.ToString(), (string?)notice["customerId"]);
        Assert.Equal("suspended", (string?)notice["status"]);
        Assert.Equal(["email"], notice["scopes"]!.AsArray().Select(s => (string?)s));
        Assert.Equal("marketing", (string?)notice["purpose"]);
        Assert.Equal((DateTimeOffset)grant["expiresAt"]!, (DateTimeOffset)notice["expiresAt"]!);
        Assert.NotNull((string?)notice["requestId"]);
        Assert.Equal(read.Headers.ETag!.Tag, $"\"{(long)notice["version"]!}\"");
        Assert.Equal($"grants/{active}", (string?)reactivated.Event["subject"]);
        Assert.Equal("active", (string?)reactivated.Data["status"]);
    }

    private static bool IsGrantChange(ReceivedWebhook w) => w.Type is "com.customervault.grant.narrowed" or "com.customervault.grant.revoked";
}
