using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Connections;

/// <summary>Connection codes: what a customer tells a vendor without a web flow, so it learns its id for her.</summary>
public sealed class ConnectionCodeTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task A_code_works_once_and_tells_the_vendor_its_own_id_for_her()
    {
        var vendor = await app.RegisterVendorAsync("Counter Ltd");
        var customer = await app.SignUpAsync();
        var code = await CodeAsync(customer, vendor.Id);
        using var vendorApi = app.Api(vendor);

        var redeemed = await vendorApi.PostAsJsonAsync("/v1/connections", new { code = (string)code["code"]! });

        Assert.Equal(HttpStatusCode.Created, redeemed.StatusCode);
        var connection = await redeemed.JsonAsync();
        Assert.Equal("connection-code", (string?)connection["via"]);
        Assert.Equal($"/v1/connections/{(string?)connection["customerId"]}", redeemed.Headers.Location!.OriginalString);
        Assert.Equal("Counter Ltd", (string?)code["vendor"]!["name"]);
        var again = await (await vendorApi.PostAsJsonAsync("/v1/connections", new { code = (string)code["code"]! })).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["code"], again.ErrorFields());

        // She sees the company among those who know her; it has no access until she grants it.
        var row = Assert.Single((await app.Api(customer).GetFromJsonAsync<JsonObject>("/v1/me/relationships"))!["items"]!.AsArray())!;
        Assert.Equal("connected", (string?)row["status"]);
        Assert.NotNull(row["connectedAt"]);
    }

    [Fact]
    public async Task A_code_is_read_as_people_say_it_in_any_case_with_or_without_the_hyphen()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var code = (string)(await CodeAsync(customer))["code"]!;
        Assert.Matches("^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$", code);

        var spoken = code.Replace("-", " ").ToLowerInvariant().Replace('0', 'o').Replace('1', 'l');

        Assert.Equal(HttpStatusCode.Created, (await app.Api(vendor).PostAsJsonAsync("/v1/connections", new { code = spoken })).StatusCode);
    }

    [Fact]
    public async Task An_expired_code_does_not_work()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var code = (string)(await CodeAsync(customer))["code"]!;

        app.Clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
        using var vendorApi = await app.FreshApiAsync(vendor);

        await (await vendorApi.PostAsJsonAsync("/v1/connections", new { code })).AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_code_for_one_vendor_does_not_work_for_another_and_stays_good_for_its_own()
    {
        var meant = await app.RegisterVendorAsync();
        var other = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var code = (string)(await CodeAsync(customer, meant.Id))["code"]!;

        await (await app.Api(other).PostAsJsonAsync("/v1/connections", new { code })).AssertProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(HttpStatusCode.Created, (await app.Api(meant).PostAsJsonAsync("/v1/connections", new { code })).StatusCode);
    }

    [Fact]
    public async Task Guessing_is_throttled_after_ten_failures_even_a_right_code_waits_until_the_window_has_passed()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        using var vendorApi = app.Api(vendor);
        for (var guess = 0; guess < 10; guess++)
        {
            await (await vendorApi.PostAsJsonAsync("/v1/connections", new { code = $"AAAAA-AAA{guess:D2}" })).AssertProblemAsync(HttpStatusCode.BadRequest);
        }

        var code = (string)(await CodeAsync(customer))["code"]!;
        var throttled = await vendorApi.PostAsJsonAsync("/v1/connections", new { code });

        await throttled.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.InRange(throttled.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15));
        // Another vendor is not held back by this one's guessing.
        var other = await app.RegisterVendorAsync();
        Assert.Equal(HttpStatusCode.Created,
            (await app.Api(other).PostAsJsonAsync("/v1/connections", new { code = (string)(await CodeAsync(customer))["code"]! })).StatusCode);

        app.Clock.Advance(TimeSpan.FromMinutes(10));
        var later = (string)(await CodeAsync(await app.SignUpAsync()))["code"]!;
        app.Clock.Advance(TimeSpan.FromMinutes(5));
        using var fresh = await app.FreshApiAsync(vendor);
        Assert.Equal(HttpStatusCode.Created, (await fresh.PostAsJsonAsync("/v1/connections", new { code = later })).StatusCode);
    }

    [Fact]
    public async Task Malformed_codes_are_refused_naming_the_field_without_counting_as_guesses()
    {
        var vendor = await app.RegisterVendorAsync();
        using var vendorApi = app.Api(vendor);

        for (var i = 0; i < 12; i++)
        {
            var problem = await (await vendorApi.PostAsJsonAsync("/v1/connections", new { code = "not a code!" })).AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.Equal(["code"], problem.ErrorFields());
        }

        var code = (string)(await CodeAsync(await app.SignUpAsync()))["code"]!;
        Assert.Equal(HttpStatusCode.Created, (await vendorApi.PostAsJsonAsync("/v1/connections", new { code })).StatusCode);
    }

    [Fact]
    public async Task A_customer_holds_at_most_five_unused_codes_and_a_code_for_an_unknown_vendor_is_404()
    {
        var customer = await app.SignUpAsync();
        for (var i = 0; i < 5; i++)
        {
            await CodeAsync(customer);
        }

        using var customerApi = app.Api(customer);
        var refused = await customerApi.PostAsJsonAsync("/v1/me/connection-codes", new { });
        await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.NotNull(refused.Headers.RetryAfter);
        await (await customerApi.PostAsJsonAsync("/v1/me/connection-codes", new { vendorId = Guid.NewGuid() })).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Only_customers_create_codes_and_only_vendors_redeem_them()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();

        await (await app.Api(vendor).PostAsJsonAsync("/v1/me/connection-codes", new { })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await app.Api(customer).PostAsJsonAsync("/v1/connections", new { code = "ABCDE-FGHJK" })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await app.CreateApiClient().PostAsJsonAsync("/v1/connections", new { code = "ABCDE-FGHJK" })).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    private async Task<JsonObject> CodeAsync(SignedInCustomer customer, Guid? vendorId = null)
    {
        using var customerApi = await app.FreshApiAsync(customer);
        var response = await customerApi.PostAsJsonAsync("/v1/me/connection-codes", new { vendorId });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.JsonAsync();
    }
}
