using System.Net;
using System.Net.Http.Json;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Consents;

public sealed class ConsentValidationTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Theory]
    [InlineData("name telepathy", "marketing", "P6M", "scopes")]
    [InlineData("name", "world-domination", "P6M", "purpose")]
    [InlineData("name", "marketing", "P3Y", "duration")]
    [InlineData("name", "marketing", "P24M1D", "duration")]
    [InlineData("name", "marketing", "six months", "duration")]
    public async Task A_request_breaking_a_rule_gets_400_naming_the_field(string scopes, string purpose, string duration, string field)
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        using var api = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);

        var problem = await (await api.RequestAccessAsync(customerId, scopes, purpose, duration)).AssertProblemAsync(HttpStatusCode.BadRequest);

        Assert.Contains(field, problem.ErrorFields());
        using var customerApi = app.Api(customer);
        Assert.Empty((await (await customerApi.GetAsync("/v1/me/access-requests")).JsonAsync())["items"]!.AsArray());
    }

    [Fact]
    public async Task A_scope_outside_the_vendors_ceiling_gets_400_naming_scopes()
    {
        var vendor = await app.RegisterVendorAsync(scopes: "name email");
        var customer = await app.SignUpAsync();
        using var api = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);

        var problem = await (await api.RequestAccessAsync(customerId, "name birthdate")).AssertProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["scopes"], problem.ErrorFields());
        Assert.Contains("birthdate", problem.GetProperty("errors").GetProperty("scopes")[0].GetString());
    }

    [Fact]
    public async Task Approving_a_scope_that_was_not_requested_or_beyond_the_requested_time_gets_400_and_the_request_stays_pending()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var customerApi = app.Api(customer);
        var requestId = await (await vendorApi.RequestAccessAsync(customerId, "name email", duration: "P6M")).IdAsync();

        var extraScope = await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve", new { scopes = new[] { "name", "phone" } });
        var tooLate = await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve", new { expiresAt = app.Clock.GetUtcNow().AddMonths(7) });

        Assert.Equal(["scopes"], (await extraScope.AssertProblemAsync(HttpStatusCode.BadRequest)).ErrorFields());
        Assert.Equal(["expiresAt"], (await tooLate.AssertProblemAsync(HttpStatusCode.BadRequest)).ErrorFields());
        Assert.Equal("pending", (string?)(await (await customerApi.GetAsync($"/v1/me/access-requests/{requestId}")).JsonAsync())["status"]);
    }

    [Fact]
    public async Task An_earlier_expiry_than_requested_is_kept()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var customerApi = app.Api(customer);
        var requestId = await (await vendorApi.RequestAccessAsync(customerId, duration: "P1Y")).IdAsync();
        var until = app.Clock.GetUtcNow().AddDays(10);

        var approved = await (await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve", new { expiresAt = until })).JsonAsync();

        var grant = await (await customerApi.GetAsync($"/v1/me/grants/{approved["grantId"]}")).JsonAsync();
        Assert.Equal(until, DateTimeOffset.Parse((string)grant["expiresAt"]!, System.Globalization.CultureInfo.InvariantCulture), TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task Approving_twice_and_revoking_a_revoked_grant_get_409_with_the_current_state()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var customerApi = app.Api(customer);
        var requestId = await (await vendorApi.RequestAccessAsync(customerId)).IdAsync();
        var grantId = (Guid)(await (await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve", new { })).JsonAsync())["grantId"]!;

        var again = await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve", new { });
        var deny = await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/deny", new { });
        await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { });
        var revokeAgain = await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { });
        var narrowRevoked = await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/narrow", new { removeScopes = new[] { "email" } });

        Assert.Equal("approved", (await again.AssertProblemAsync(HttpStatusCode.Conflict)).GetProperty("currentState").GetString());
        Assert.Equal("approved", (await deny.AssertProblemAsync(HttpStatusCode.Conflict)).GetProperty("currentState").GetString());
        Assert.Equal("revoked", (await revokeAgain.AssertProblemAsync(HttpStatusCode.Conflict)).GetProperty("currentState").GetString());
        Assert.Equal("revoked", (await narrowRevoked.AssertProblemAsync(HttpStatusCode.Conflict)).GetProperty("currentState").GetString());
    }

    [Fact]
    public async Task Narrowing_away_every_scope_or_one_not_granted_gets_400()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, "name email");
        using var customerApi = app.Api(customer);

        var all = await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/narrow", new { removeScopes = new[] { "name", "email" } });
        var notGranted = await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/narrow", new { removeScopes = new[] { "phone" } });

        Assert.Equal(["removeScopes"], (await all.AssertProblemAsync(HttpStatusCode.BadRequest)).ErrorFields());
        Assert.Equal(["removeScopes"], (await notGranted.AssertProblemAsync(HttpStatusCode.BadRequest)).ErrorFields());
    }

    [Fact]
    public async Task A_read_without_a_purpose_gets_400_naming_purpose()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.GrantAsync(vendor, customer);
        using var api = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);

        var problem = await (await api.GetAsync($"/v1/customers/{customerId}/profile")).AssertProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["purpose"], problem.ErrorFields());
    }

    [Fact]
    public async Task Registering_a_vendor_with_bad_fields_gets_400_naming_each()
    {
        using var admin = await app.OperatorAsync();

        var problem = await (await admin.PostAsJsonAsync("/v1/vendors", new
        {
            displayName = "", website = "ftp://x", contactEmail = "nobody", scopes = new[] { "mind-reading" },
        })).AssertProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["contactEmail", "displayName", "scopes", "website"], problem.ErrorFields().Order());
    }
}
