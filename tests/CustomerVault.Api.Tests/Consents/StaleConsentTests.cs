using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Consents;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CustomerVault.Api.Tests.Consents;

/// <summary>A vault whose analytics grants must be reconfirmed every 120 days, with mail and webhooks delivered to real servers.</summary>
public sealed class ReconfirmingVaultApp : MessagingVaultApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Vault:Consents:ReconfirmAfter:analytics"] = "120.00:00:00",
    };
}

/// <summary>
/// Consent that does not go stale: no grant runs past its purpose's longest duration, she is reminded that she still
/// shares, an unconfirmed grant of a purpose that asks for it pauses until she confirms, and renewal leaves no gap.
/// </summary>
public sealed class StaleConsentTests(ReconfirmingVaultApp app) : IClassFixture<ReconfirmingVaultApp>, IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task A_grant_past_its_purposes_longest_duration_cannot_be_asked_for_granted_pushed_or_extended()
    {
        var vendor = await app.RegisterVendorAsync(redirectUri: VendorWebFlow.RedirectUri);
        var customer = await app.SignUpAsync();
        using var vendorApi = app.Api(vendor);
        using var customerApi = app.Api(customer);
        var customerId = await app.ConnectAsync(vendor, customer);
        var now = app.Clock.GetUtcNow();

        // The vendor's request: refused when asked, naming the field and the limit.
        var asked = await (await vendorApi.RequestAccessAsync(customerId, purpose: "marketing", duration: "P13M")).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["duration"], asked.ErrorFields());
        Assert.Contains("P12M", asked.GetProperty("errors").GetProperty("duration")[0].GetString());
        await (await vendorApi.RequestAccessAsync(customerId, purpose: "service-delivery", duration: "P24M")).IdAsync();

        // Her own grant.
        var own = await (await customerApi.PostAsJsonAsync("/v1/me/grants", new
        {
            vendorId = vendor.Id, scopes = new[] { "email" }, purpose = "analytics", expiresAt = now.AddMonths(12).AddDays(1),
        })).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["expiresAt"], own.ErrorFields());

        // The vendor's web flow (a pushed authorization request with RAR details).
        var pushed = await app.PushRawAsync(vendor, VendorWebFlow.Details(purpose: "analytics", duration: "P2Y"), Pkce.Create(), "s");
        var error = await pushed.ErrorAsync(HttpStatusCode.BadRequest);
        Assert.Contains("duration", (string?)error["error_description"]);

        // An extension asks for no more than a new grant may run.
        var grantId = await app.GrantAsync(vendor, customer);
        var extension = await (await vendorApi.PostAsJsonAsync("/v1/access-requests", new
        {
            customerId, scopes = new[] { "email" }, purpose = "marketing", description = "Another year of newsletters", duration = "P18M", extendsGrantId = grantId,
        })).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["duration"], extension.ErrorFields());

        // Nothing was granted on any of these paths beyond the one grant within its limit.
        var grants = (await (await customerApi.GetAsync("/v1/me/grants")).JsonAsync())["items"]!.AsArray();
        Assert.Equal([grantId.ToString()], grants.Select(g => (string?)g!["id"]));
    }

    [Fact]
    public async Task She_is_reminded_once_ninety_days_after_her_last_review_by_mail_and_in_her_inbox_and_not_again_until_the_next_period()
    {
        var vendor = await app.RegisterVendorAsync("Nebula Cameras");
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, purpose: "service-delivery");
        var sweeper = app.Services.GetRequiredService<ReviewSweeper>();

        app.Clock.Advance(TimeSpan.FromDays(90) - TimeSpan.FromMinutes(1));
        await sweeper.SweepAsync(CancellationToken.None);
        Assert.Empty(await RemindersAsync(customer));

        app.Clock.Advance(TimeSpan.FromMinutes(1));
        await sweeper.SweepAsync(CancellationToken.None);
        await sweeper.SweepAsync(CancellationToken.None);
        var reminder = Assert.Single(await RemindersAsync(customer));
        Assert.Equal("vault", (string?)reminder["from"]);
        Assert.Equal("You still share with Nebula Cameras", (string?)reminder["subject"]);
        Assert.Contains($"/portal/grants/{grantId}", (string?)reminder["body"]);

        // By mail, from the vault under its own name, with no unsubscribe: it is about her consent, not the vendor's marketing.
        var mail = Assert.Single(await app.Smtp.WaitForAsync(customer.Email));
        Assert.Equal("CustomerVault", Assert.Single(mail.From.Mailboxes).Name);
        Assert.Equal("You still share with Nebula Cameras", mail.Subject);
        Assert.Null(mail.Headers["List-Unsubscribe"]);

        // The vendor never sees it, and she cannot report or answer it as the vendor's.
        using var vendorApi = await app.FreshApiAsync(vendor);
        var vendorsMessages = (await (await vendorApi.GetAsync("/v1/messages")).JsonAsync())["items"]!.AsArray();
        Assert.Empty(vendorsMessages);
        using var customerApi = await app.FreshApiAsync(customer);
        await (await customerApi.PostAsJsonAsync($"/v1/me/messages/{reminder["id"]}/replies", new { body = "Hello" })).AssertProblemAsync(HttpStatusCode.Conflict);

        // Not again within the period, once more after it.
        app.Clock.Advance(TimeSpan.FromDays(89));
        await sweeper.SweepAsync(CancellationToken.None);
        Assert.Single(await RemindersAsync(customer));
        app.Clock.Advance(TimeSpan.FromDays(1));
        await sweeper.SweepAsync(CancellationToken.None);
        Assert.Equal(2, (await RemindersAsync(customer)).Count);
        Assert.Equal(["access_granted", "grant_review_reminded", "grant_review_reminded"], await app.EventTypesAsync(grantId));

        // Confirming is a review: the next reminder is 90 days after it.
        await (await (await app.FreshApiAsync(customer)).PostAsJsonAsync($"/v1/me/grants/{grantId}/confirm", new { })).JsonAsync();
        app.Clock.Advance(TimeSpan.FromDays(89));
        await sweeper.SweepAsync(CancellationToken.None);
        Assert.Equal(2, (await RemindersAsync(customer)).Count);
    }

    [Fact]
    public async Task Two_nodes_sweeping_at_once_send_one_reminder()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, purpose: "service-delivery");
        var sweeper = app.Services.GetRequiredService<ReviewSweeper>();
        // A second node: its own sweeper over the same database.
        var other = ActivatorUtilities.CreateInstance<ReviewSweeper>(app.Services);

        app.Clock.Advance(TimeSpan.FromDays(91));
        await Task.WhenAll(Enumerable.Range(0, 4).Select(i => (i % 2 == 0 ? sweeper : other).SweepAsync(CancellationToken.None)));

        Assert.Single(await RemindersAsync(customer));
        Assert.Equal(["access_granted", "grant_review_reminded"], await app.EventTypesAsync(grantId));
    }

    [Fact]
    public async Task An_unconfirmed_grant_pauses_refuses_reads_tells_the_vendor_and_resumes_when_she_confirms()
    {
        var vendor = await app.RegisterVendorAsync(webhookUrl: _receiver.Url);
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, purpose: "analytics");
        var customerId = await app.ConnectAsync(vendor, customer);
        var sweeper = app.Services.GetRequiredService<ReviewSweeper>();

        app.Clock.Advance(TimeSpan.FromDays(90));
        await sweeper.SweepAsync(CancellationToken.None);
        var reminder = Assert.Single(await RemindersAsync(customer));
        Assert.Contains("sharing pauses until you do", (string?)reminder["body"]);
        using (var vendorApi = await app.FreshApiAsync(vendor))
        {
            Assert.Equal(HttpStatusCode.OK, (await vendorApi.ReadProfileAsync(customerId, "analytics")).StatusCode);
        }

        app.Clock.Advance(TimeSpan.FromDays(30));
        await sweeper.SweepAsync(CancellationToken.None);
        using var vendorNow = await app.FreshApiAsync(vendor);
        using var customerNow = await app.FreshApiAsync(customer);
        var refused = await (await vendorNow.ReadProfileAsync(customerId, "analytics")).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("paused", refused.GetProperty("currentState").GetString());
        Assert.Equal("paused", (string?)(await (await vendorNow.GetAsync($"/v1/grants/{grantId}")).JsonAsync())["status"]);
        var grant = await (await customerNow.GetAsync($"/v1/me/grants/{grantId}")).JsonAsync();
        Assert.Equal("paused", (string?)grant["status"]);
        Assert.NotNull(grant["pausedAt"]);
        var paused = await _receiver.WaitForAsync(r => r.Any(w => w.Type == "com.customervault.grant.paused"));
        Assert.Equal("paused", (string?)paused.Single(w => w.Type == "com.customervault.grant.paused").Data["status"]);

        // One call resumes it: the very next read is served.
        var confirmed = await (await customerNow.PostAsJsonAsync($"/v1/me/grants/{grantId}/confirm", new { })).JsonAsync();
        Assert.Equal("active", (string?)confirmed["status"]);
        Assert.Null(confirmed["pausedAt"]);
        Assert.Equal(HttpStatusCode.OK, (await vendorNow.ReadProfileAsync(customerId, "analytics")).StatusCode);
        var resumed = await _receiver.WaitForAsync(r => r.Any(w => w.Type == "com.customervault.grant.resumed"));
        Assert.Equal("active", (string?)resumed.Single(w => w.Type == "com.customervault.grant.resumed").Data["status"]);

        // Every transition has its receipt; the reminder is no change of consent and has none.
        var receipts = (await (await customerNow.GetAsync($"/v1/me/grants/{grantId}/receipts")).JsonAsync())["items"]!.AsArray();
        Assert.Equal(["granted", "paused", "resumed"], receipts.Select(r => (string?)r!["event"]));
        Assert.Equal("paused", (string?)receipts[1]!["receipt"]!["status"]);

        // Confirming an ended grant is a conflict; another customer's grant is not found.
        var other = await app.SignUpAsync();
        await (await app.Api(other).PostAsJsonAsync($"/v1/me/grants/{grantId}/confirm", new { })).AssertProblemAsync(HttpStatusCode.NotFound);
        await customerNow.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { });
        await (await customerNow.PostAsJsonAsync($"/v1/me/grants/{grantId}/confirm", new { })).AssertProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Renewal_extends_the_grant_before_it_ends_without_a_refused_read_in_between()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer);
        var customerId = await app.ConnectAsync(vendor, customer);
        var expirySweeper = app.Services.GetRequiredService<ExpirySweeper>();
        var firstEnd = (DateTimeOffset)(await (await app.Api(customer).GetAsync($"/v1/me/grants/{grantId}")).JsonAsync())["expiresAt"]!;
        var refusedReads = 0;

        async Task ReadAsync(HttpClient api)
        {
            var read = await api.ReadProfileAsync(customerId);
            refusedReads += read.StatusCode == HttpStatusCode.OK ? 0 : 1;
        }

        app.Clock.Advance(TimeSpan.FromDays(170));
        using var vendorApi = await app.FreshApiAsync(vendor);
        using var customerApi = await app.FreshApiAsync(customer);
        await ReadAsync(vendorApi);
        var requestId = await (await vendorApi.PostAsJsonAsync("/v1/access-requests", new
        {
            customerId, scopes = new[] { "name", "email" }, purpose = "marketing", description = "Another year of telescope news", duration = "P12M", extendsGrantId = grantId,
        })).IdAsync();
        await ReadAsync(vendorApi);
        var approved = await (await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve", new { })).JsonAsync();
        Assert.Equal(grantId.ToString(), (string?)approved["grantId"]);
        await ReadAsync(vendorApi);

        // Past the first end: the same grant, still active, until a year after the approval.
        app.Clock.Advance(firstEnd - app.Clock.GetUtcNow() + TimeSpan.FromDays(1));
        await expirySweeper.SweepAsync(CancellationToken.None);
        using var vendorLater = await app.FreshApiAsync(vendor);
        await ReadAsync(vendorLater);
        var grant = await (await vendorLater.GetAsync($"/v1/grants/{grantId}")).JsonAsync();
        Assert.Equal("active", (string?)grant["status"]);
        Assert.True((DateTimeOffset)grant["expiresAt"]! > firstEnd.AddMonths(5));
        Assert.Equal(0, refusedReads);
        var events = await app.EventTypesAsync(grantId);
        Assert.Contains("grant_extended", events);
        Assert.DoesNotContain("grant_expired", events);
    }

    private async Task<IReadOnlyList<JsonObject>> RemindersAsync(SignedInCustomer customer)
    {
        using var api = await app.FreshApiAsync(customer);
        var inbox = (await (await api.GetAsync("/v1/me/messages?limit=100")).JsonAsync())["items"]!.AsArray();
        return inbox.Select(m => m!.AsObject()).Where(m => (string?)m["from"] == "vault" && (string?)m["kind"] == "still-sharing").ToList();
    }
}
