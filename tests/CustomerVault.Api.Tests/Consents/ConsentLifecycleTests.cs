using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Consents;

public sealed class ConsentLifecycleTests(VaultApp app) : IClassFixture<VaultApp>
{
    private const string FullProfile = """
        { "identity": { "name": { "given": "Ada", "family": "Lovelace" }, "birthdate": "1990-12-10" },
          "contact": { "phone": "+442071838750" } }
        """;

    [Fact]
    public async Task Request_partial_approval_read_exactly_the_granted_attributes_revoke_and_every_read_logged_once()
    {
        var vendor = await app.RegisterVendorAsync("Stargazer Optics");
        var customer = await app.SignUpAsync();
        await app.SetProfileAsync(customer, FullProfile);
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var customerApi = app.Api(customer);

        // The vendor asks for three scopes.
        var created = await vendorApi.RequestAccessAsync(customerId, "name email phone");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var requestId = await created.IdAsync();
        Assert.Equal($"/v1/access-requests/{requestId}", created.Headers.Location!.OriginalString);
        Assert.Equal("pending", (string?)(await created.JsonAsync())["status"]);

        // The customer sees it, with the vendor's name and the purpose.
        var pending = await (await customerApi.GetAsync("/v1/me/access-requests?status=pending")).JsonAsync();
        var seen = Assert.Single(pending["items"]!.AsArray())!;
        Assert.Equal(requestId.ToString(), (string?)seen["id"]);
        Assert.Equal("Stargazer Optics", (string?)seen["vendor"]!["name"]);
        Assert.Equal("marketing", (string?)seen["purpose"]);

        // She approves two of the three.
        var approved = await (await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve", new { scopes = new[] { "name", "email" } })).JsonAsync();
        Assert.Equal("approved", (string?)approved["status"]);
        var grantId = (Guid)approved["grantId"]!;

        // The vendor learns the outcome.
        var outcome = await (await vendorApi.GetAsync($"/v1/access-requests/{requestId}")).JsonAsync();
        Assert.Equal("approved", (string?)outcome["status"]);
        Assert.Equal(["name", "email"], outcome["approvedScopes"]!.AsArray().Select(s => (string?)s));

        // It reads exactly the approved attributes.
        var read = await (await vendorApi.ReadProfileAsync(customerId)).JsonAsync();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($$"""
            { "identity": { "name": { "given": "Ada", "family": "Lovelace" } }, "contact": { "email": "{{customer.Email}}" } }
            """), read["profile"]), read.ToJsonString());
        Assert.Equal([grantId.ToString()], read["grants"]!.AsArray().Select(g => (string?)g));

        // Another purpose is not covered.
        await (await vendorApi.ReadProfileAsync(customerId, "analytics")).AssertProblemAsync(HttpStatusCode.Forbidden);

        // She revokes; the next read is refused.
        var revoked = await (await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { reason = "Too many newsletters" })).JsonAsync();
        Assert.Equal("revoked", (string?)revoked["status"]);
        await (await vendorApi.ReadProfileAsync(customerId)).AssertProblemAsync(HttpStatusCode.Forbidden);

        // The one served read is in her access log, once, with the attribute names and no values.
        var log = await (await customerApi.GetAsync("/v1/me/access-log")).JsonAsync();
        var entry = Assert.Single(log["items"]!.AsArray())!;
        Assert.Equal("read", (string?)entry["kind"]);
        Assert.Equal(vendor.Id.ToString(), (string?)entry["vendor"]!["id"]);
        Assert.Equal(["identity.name", "contact.email"], entry["attributes"]!.AsArray().Select(a => (string?)a));
        Assert.Equal("marketing", (string?)entry["purpose"]);
        Assert.Equal((string?)read["accessId"], (string?)entry["id"]);
        Assert.DoesNotContain("Lovelace", log.ToJsonString());
    }

    [Fact]
    public async Task The_vendor_sees_its_grants_and_the_customer_her_relationships()
    {
        var vendor = await app.RegisterVendorAsync("Relations Ltd");
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, "name email phone", "email");
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var customerApi = app.Api(customer);
        await (await vendorApi.ReadProfileAsync(customerId)).JsonAsync();

        var grants = await (await vendorApi.GetAsync($"/v1/grants?customerId={customerId}&status=active")).JsonAsync();
        Assert.Equal(grantId.ToString(), (string?)Assert.Single(grants["items"]!.AsArray())!["id"]);

        var relationships = (await customerApi.GetFromJsonAsync<JsonObject>("/v1/me/relationships"))!["items"]!.AsArray();
        var row = Assert.Single(relationships!)!;
        Assert.Equal("Relations Ltd", (string?)row["vendor"]!["name"]);
        Assert.Equal("active", (string?)row["status"]);
        Assert.Equal(["email"], row["scopes"]!.AsArray().Select(s => (string?)s));
        Assert.Equal(["marketing"], row["purposes"]!.AsArray().Select(s => (string?)s));
        Assert.Equal(1, (int)row["readsLast30Days"]!);
        Assert.NotNull(row["lastRead"]);
        Assert.NotNull(row["expiresAt"]);
    }

    [Fact]
    public async Task A_customer_grants_a_vendor_access_on_her_own_initiative()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.SetProfileAsync(customer, FullProfile);
        using var customerApi = app.Api(customer);

        var granted = await customerApi.PostAsJsonAsync("/v1/me/grants", new
        {
            vendorId = vendor.Id, scopes = new[] { "phone" }, purpose = "service-delivery",
            description = "Call me about my order", expiresAt = app.Clock.GetUtcNow().AddDays(30),
        });

        Assert.Equal(HttpStatusCode.Created, granted.StatusCode);
        Assert.Null((await granted.JsonAsync())["requestId"]);
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        var read = await (await vendorApi.ReadProfileAsync(customerId, "service-delivery")).JsonAsync();
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{ "contact": { "phone": "+442071838750" } }"""), read["profile"]));
    }

    [Fact]
    public async Task Narrowing_keeps_the_grant_with_fewer_scopes_and_the_next_read_returns_less()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.SetProfileAsync(customer, FullProfile);
        var grantId = await app.GrantAsync(vendor, customer, "name email");
        using var customerApi = app.Api(customer);
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);

        var narrowed = await (await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/narrow", new { removeScopes = new[] { "email" } })).JsonAsync();

        Assert.Equal("active", (string?)narrowed["status"]);
        Assert.Equal(["name"], narrowed["scopes"]!.AsArray().Select(s => (string?)s));
        var read = await (await vendorApi.ReadProfileAsync(customerId)).JsonAsync();
        Assert.Null(read["profile"]!["contact"]);
        Assert.NotNull(read["profile"]!["identity"]!["name"]);
    }

    [Fact]
    public async Task A_vendor_relinquishes_a_grant_and_can_no_longer_read()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer);
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var customerApi = app.Api(customer);

        var relinquished = await (await vendorApi.PostAsJsonAsync($"/v1/grants/{grantId}/relinquish", new { reason = "Campaign over" })).JsonAsync();

        Assert.Equal("relinquished", (string?)relinquished["status"]);
        await (await vendorApi.ReadProfileAsync(customerId)).AssertProblemAsync(HttpStatusCode.Forbidden);
        var mine = await (await customerApi.GetAsync($"/v1/me/grants/{grantId}")).JsonAsync();
        Assert.Equal("relinquished", (string?)mine["status"]);
        Assert.Equal("Campaign over", (string?)mine["endReason"]);
    }

    [Fact]
    public async Task A_denied_request_tells_the_vendor_why_and_creates_no_grant()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var customerApi = app.Api(customer);
        var requestId = await (await vendorApi.RequestAccessAsync(customerId)).IdAsync();

        var denied = await (await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/deny", new { reason = "No, thank you" })).JsonAsync();

        Assert.Equal("denied", (string?)denied["status"]);
        var outcome = await (await vendorApi.GetAsync($"/v1/access-requests/{requestId}")).JsonAsync();
        Assert.Equal("denied", (string?)outcome["status"]);
        Assert.Equal("No, thank you", (string?)outcome["denialReason"]);
        Assert.Null(outcome["grantId"]);
        await (await vendorApi.ReadProfileAsync(customerId)).AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_same_Idempotency_Key_with_the_same_body_gives_the_same_answer_and_with_another_body_422()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);

        var first = await vendorApi.RequestAccessAsync(customerId, idempotencyKey: "order-4711");
        var retry = await vendorApi.RequestAccessAsync(customerId, idempotencyKey: "order-4711");
        var other = await vendorApi.RequestAccessAsync(customerId, scopes: "phone", idempotencyKey: "order-4711");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, retry.StatusCode);
        Assert.Equal(first.Headers.Location, retry.Headers.Location);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await retry.Content.ReadAsStringAsync());
        await other.AssertProblemAsync(HttpStatusCode.UnprocessableEntity);
        using var customerApi = app.Api(customer);
        Assert.Single((await (await customerApi.GetAsync("/v1/me/access-requests")).JsonAsync())["items"]!.AsArray());
    }

    [Fact]
    public async Task Beyond_three_pending_requests_per_vendor_and_customer_the_vendor_gets_429()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var other = await app.SignUpAsync();
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await vendorApi.RequestAccessAsync(customerId)).StatusCode);
        }

        await (await vendorApi.RequestAccessAsync(customerId)).AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.Created, (await vendorApi.RequestAccessAsync(await app.ConnectAsync(vendor, other))).StatusCode);
    }

    [Fact]
    public async Task A_vendor_asks_to_extend_its_grant_and_her_approval_changes_that_grant_rather_than_adding_one()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, "name");
        var customerId = await app.ConnectAsync(vendor, customer);
        using var vendorApi = app.Api(vendor);
        using var customerApi = app.Api(customer);

        var requestId = await (await vendorApi.PostAsJsonAsync("/v1/access-requests", new
        {
            customerId, scopes = new[] { "name", "email" }, purpose = "marketing", description = "Newsletter, now with your e-mail", duration = "P1Y",
            extendsGrantId = grantId,
        })).IdAsync();
        var asked = await (await customerApi.GetAsync($"/v1/me/access-requests/{requestId}")).JsonAsync();
        var approved = await (await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve", new { })).JsonAsync();

        Assert.Equal(grantId.ToString(), (string?)asked["extendsGrantId"]);
        Assert.Equal(grantId.ToString(), (string?)approved["grantId"]);
        var grant = Assert.Single((await (await customerApi.GetAsync("/v1/me/grants")).JsonAsync())["items"]!.AsArray())!;
        Assert.Equal(["name", "email"], grant["scopes"]!.AsArray().Select(s => (string?)s));
        Assert.Equal("Newsletter, now with your e-mail", (string?)grant["description"]);
        var problem = await (await vendorApi.PostAsJsonAsync("/v1/access-requests", new
        {
            customerId, scopes = new[] { "name" }, purpose = "analytics", description = "Statistics", duration = "P1M", extendsGrantId = grantId,
        })).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["extendsGrantId"], problem.ErrorFields());
    }

    [Fact]
    public async Task A_request_for_an_unknown_customer_is_404()
    {
        var vendor = await app.RegisterVendorAsync();
        using var vendorApi = app.Api(vendor);

        await (await vendorApi.RequestAccessAsync(Guid.NewGuid())).AssertProblemAsync(HttpStatusCode.NotFound);
    }
}
