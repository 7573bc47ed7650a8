using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.AccessLog;

/// <summary>Her timeline with one company: the figures are what happened, day by day, within the window she asked for, and only hers.</summary>
public sealed class RelationshipTimelineTests(VaultApp app) : IClassFixture<VaultApp>
{
    private const string Profile = """{ "identity": { "name": { "given": "Ada", "family": "Lovelace" } }, "contact": { "email": "ada@example.org" } }""";

    [Fact]
    public async Task Reads_messages_and_grant_changes_appear_on_their_days_with_the_figures_they_add_up_to()
    {
        AdvanceTo(TimeSpan.FromHours(12));
        var day0 = Today();
        var vendor = await app.RegisterVendorAsync("Lyra Lenses");
        var customer = await app.SignUpAsync();
        await app.SetProfileAsync(customer, Profile);
        var grantId = await app.GrantAsync(vendor, customer, contactTerms: MessageRequests.EmailTerms);
        var customerId = await app.ConnectAsync(vendor, customer);
        using (var vendorApi = app.Api(vendor))
        {
            await ReadAsync(vendorApi, customerId, 2);
            Assert.Equal(HttpStatusCode.Accepted, (await vendorApi.SendMessageAsync(customerId, "portal")).StatusCode);
        }

        app.Clock.Advance(TimeSpan.FromDays(1));
        using (var vendorApi = await app.FreshApiAsync(vendor))
        using (var customerApi = await app.FreshApiAsync(customer))
        {
            await ReadAsync(vendorApi, customerId, 3);
            (await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/narrow", new { removeScopes = new[] { "email" } })).EnsureSuccessStatusCode();
        }

        app.Clock.Advance(TimeSpan.FromDays(2));
        var lastRead = app.Clock.GetUtcNow();
        using (var vendorApi = await app.FreshApiAsync(vendor))
        {
            await ReadAsync(vendorApi, customerId, 1);
            Assert.Equal(HttpStatusCode.Accepted, (await vendorApi.SendMessageAsync(customerId, "portal", subject: "One")).StatusCode);
            Assert.Equal(HttpStatusCode.Accepted, (await vendorApi.SendMessageAsync(customerId, "portal", subject: "Two")).StatusCode);
        }

        using var api = await app.FreshApiAsync(customer);
        var timeline = await (await api.GetAsync($"/v1/me/relationships/{vendor.Id}/timeline")).JsonAsync();

        Assert.Equal("Lyra Lenses", (string?)timeline["vendor"]!["name"]);
        Assert.Equal("active", (string?)timeline["status"]);
        var summary = timeline["summary"]!;
        Assert.Equal(lastRead, (DateTimeOffset)summary["lastRead"]!, TimeSpan.FromMilliseconds(1));
        Assert.Equal(6, (int)summary["readsLast30Days"]!);
        Assert.Equal(3, (int)summary["contactsLast7Days"]!);
        Assert.Equal(3, (int)summary["weeklyCap"]!);
        Assert.False((bool)summary["dormant"]!);
        Assert.Equal([grantId.ToString()], summary["activeGrants"]!.AsArray().Select(g => (string?)g));
        Assert.Equal(day0.AddDays(3 - 89), DateOnly.FromDateTime(((DateTimeOffset)timeline["from"]!).UtcDateTime));

        var days = timeline["items"]!.AsArray();
        Assert.Equal([Iso(day0.AddDays(3)), Iso(day0.AddDays(1)), Iso(day0)], days.Select(d => (string?)d!["date"]));
        Assert.Equal([1, 3, 2], days.Select(d => (int)d!["readCount"]!));
        Assert.Equal([2, 0, 1], days.Select(d => (int)d!["messageCount"]!));
        Assert.Equal([0, 1, 1], days.Select(d => (int)d!["grantChangeCount"]!));

        var first = days[2]!;
        var reads = Assert.Single(first["reads"]!.AsArray())!;
        Assert.Equal("marketing", (string?)reads["purpose"]);
        Assert.Equal(2, (int)reads["count"]!);
        Assert.Equal(["contact.email", "identity.name"], reads["attributes"]!.AsArray().Select(a => (string?)a).Order());
        var granted = Assert.Single(first["grantChanges"]!.AsArray())!;
        Assert.Equal(("granted", grantId.ToString(), "active"), ((string?)granted["event"], (string?)granted["grantId"], (string?)granted["status"]));
        Assert.Equal("vendor", (string?)Assert.Single(first["messages"]!.AsArray())!["from"]);

        var narrowed = Assert.Single(days[1]!["grantChanges"]!.AsArray())!;
        Assert.Equal("narrowed", (string?)narrowed["event"]);
        Assert.Equal(["name"], narrowed["scopes"]!.AsArray().Select(s => (string?)s));

        // After the narrowing, only the name is read.
        var latest = Assert.Single(days[0]!["reads"]!.AsArray())!;
        Assert.Equal(["identity.name"], latest["attributes"]!.AsArray().Select(a => (string?)a));
        Assert.All(days[0]!["messages"]!.AsArray(), m => Assert.Equal("portal", (string?)m!["channel"]));

        // The days come in pages, in the API's usual shape.
        var page = await (await api.GetAsync($"/v1/me/relationships/{vendor.Id}/timeline?limit=2")).JsonAsync();
        Assert.Equal(2, page["items"]!.AsArray().Count);
        var next = await (await api.GetAsync((string)page["next"]!)).JsonAsync();
        Assert.Equal(Iso(day0), (string?)Assert.Single(next["items"]!.AsArray())!["date"]);
        Assert.Null(next["next"]);

        // Her list of relationships shows the same figures.
        var row = Assert.Single((await (await api.GetAsync("/v1/me/relationships")).JsonAsync())["items"]!.AsArray())!;
        Assert.Equal((6, 3, false), ((int)row["readsLast30Days"]!, (int)row["contactsLast7Days"]!, (bool)row["dormant"]!));
    }

    [Fact]
    public async Task The_window_starts_at_midnight_UTC_days_minus_one_days_ago_and_is_checked()
    {
        AdvanceTo(TimeSpan.FromDays(1) - TimeSpan.FromSeconds(1));
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.SetProfileAsync(customer, Profile);
        await app.GrantAsync(vendor, customer);
        var customerId = await app.ConnectAsync(vendor, customer);
        var lastSecond = Today();
        using (var vendorApi = app.Api(vendor))
        {
            await ReadAsync(vendorApi, customerId, 1);
            app.Clock.Advance(TimeSpan.FromSeconds(1));
            await ReadAsync(vendorApi, customerId, 2);
        }

        app.Clock.Advance(TimeSpan.FromHours(1));
        using var api = await app.FreshApiAsync(customer);
        var today = await (await api.GetAsync($"/v1/me/relationships/{vendor.Id}/timeline?days=1")).JsonAsync();
        Assert.Equal(lastSecond.AddDays(1).ToDateTime(TimeOnly.MinValue), ((DateTimeOffset)today["from"]!).UtcDateTime);
        var only = Assert.Single(today["items"]!.AsArray())!;
        Assert.Equal((Iso(lastSecond.AddDays(1)), 2), ((string?)only["date"], (int)only["readCount"]!));

        var twoDays = await (await api.GetAsync($"/v1/me/relationships/{vendor.Id}/timeline?days=2")).JsonAsync();
        Assert.Equal([2, 1], twoDays["items"]!.AsArray().Select(d => (int)d!["readCount"]!));

        foreach (var (query, field) in new[] { ("days=0", "days"), ("days=367", "days"), ("days=-5", "days"), ("limit=0", "limit"), ("offset=-1", "offset") })
        {
            var problem = await (await api.GetAsync($"/v1/me/relationships/{vendor.Id}/timeline?{query}")).AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.Equal([field], problem.ErrorFields());
        }

        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/v1/me/relationships/{vendor.Id}/timeline?days=366")).StatusCode);
    }

    [Fact]
    public async Task A_company_that_holds_a_grant_but_has_not_read_in_90_days_is_dormant_until_it_reads_again()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.SetProfileAsync(customer, Profile);
        await app.GrantAsync(vendor, customer);
        var customerId = await app.ConnectAsync(vendor, customer);
        using (var vendorApi = app.Api(vendor))
        {
            await ReadAsync(vendorApi, customerId, 1);
        }

        app.Clock.Advance(TimeSpan.FromDays(90) - TimeSpan.FromSeconds(1));
        Assert.Equal((false, false), await DormantAsync(vendor, customer));

        app.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal((true, true), await DormantAsync(vendor, customer));

        using (var vendorApi = await app.FreshApiAsync(vendor))
        {
            await ReadAsync(vendorApi, customerId, 1);
        }

        Assert.Equal((false, false), await DormantAsync(vendor, customer));
    }

    [Fact]
    public async Task A_grant_never_used_makes_a_company_dormant_90_days_after_it_was_given_not_before()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.GrantAsync(vendor, customer);

        Assert.Equal((false, false), await DormantAsync(vendor, customer));
        app.Clock.Advance(TimeSpan.FromDays(90));
        Assert.Equal((true, true), await DormantAsync(vendor, customer));
    }

    [Fact]
    public async Task Only_she_sees_her_timeline_and_only_with_companies_she_deals_with()
    {
        var vendor = await app.RegisterVendorAsync();
        var stranger = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var other = await app.SignUpAsync();
        await app.SetProfileAsync(customer, Profile);
        await app.GrantAsync(vendor, customer);
        var customerId = await app.ConnectAsync(vendor, customer);
        using (var vendorApi = app.Api(vendor))
        {
            await ReadAsync(vendorApi, customerId, 2);
        }

        using var api = app.Api(customer);
        using var otherApi = app.Api(other);
        var path = $"/v1/me/relationships/{vendor.Id}/timeline";
        Assert.Equal(2, (await (await api.GetAsync(path)).JsonAsync())["items"]!.AsArray().Sum(d => (int)d!["readCount"]!));

        // Another customer with no relationship with the company: as if it did not exist.
        await (await otherApi.GetAsync(path)).AssertProblemAsync(HttpStatusCode.NotFound);
        // One that knows it too sees only her own relationship with it.
        await app.ConnectAsync(vendor, other);
        var hers = await (await otherApi.GetAsync(path)).JsonAsync();
        Assert.Equal("connected", (string?)hers["status"]);
        Assert.Empty(hers["items"]!.AsArray());
        Assert.Null(hers["summary"]!["lastRead"]);

        await (await api.GetAsync($"/v1/me/relationships/{stranger.Id}/timeline")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await api.GetAsync($"/v1/me/relationships/{Guid.NewGuid()}/timeline")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.NotFound, (await api.GetAsync("/v1/me/relationships/not-a-guid/timeline")).StatusCode);

        using var vendorNow = app.Api(vendor);
        await (await vendorNow.GetAsync(path)).AssertProblemAsync(HttpStatusCode.Forbidden);
        using var anonymous = app.CreateApiClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync(path)).StatusCode);
    }

    private async Task<(bool InList, bool InTimeline)> DormantAsync(RegisteredVendor vendor, SignedInCustomer customer)
    {
        using var api = await app.FreshApiAsync(customer);
        var row = (await (await api.GetAsync("/v1/me/relationships?limit=500")).JsonAsync())["items"]!.AsArray()
            .Single(r => (string?)r!["vendor"]!["id"] == vendor.Id.ToString())!;
        var timeline = await (await api.GetAsync($"/v1/me/relationships/{vendor.Id}/timeline")).JsonAsync();
        return ((bool)row["dormant"]!, (bool)timeline["summary"]!["dormant"]!);
    }

    private static async Task ReadAsync(HttpClient vendorApi, Guid customerId, int times)
    {
        for (var i = 0; i < times; i++)
        {
            var read = await vendorApi.ReadProfileAsync(customerId);
            Assert.True(read.IsSuccessStatusCode, await read.Content.ReadAsStringAsync());
        }
    }

    /// <summary>Moves the clock forward to the next moment with this time of day (UTC), so that seeded days do not straddle midnight.</summary>
    private void AdvanceTo(TimeSpan timeOfDay)
    {
        var now = app.Clock.GetUtcNow();
        var target = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero) + timeOfDay;
        app.Clock.Advance((target > now ? target : target.AddDays(1)) - now);
    }

    private DateOnly Today() => DateOnly.FromDateTime(app.Clock.GetUtcNow().UtcDateTime);

    private static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
}
