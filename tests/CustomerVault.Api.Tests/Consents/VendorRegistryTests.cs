using System.Net;
using System.Net.Http.Json;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Consents;

public sealed class VendorRegistryTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task A_registered_vendor_gets_its_secret_once_and_only_a_hash_is_stored()
    {
        var vendor = await app.RegisterVendorAsync("Hash Check Ltd");
        using var admin = await app.OperatorAsync();

        var view = await (await admin.GetAsync($"/v1/vendors/{vendor.Id}")).JsonAsync();

        Assert.Equal("Hash Check Ltd", (string?)view["displayName"]);
        Assert.Equal("active", (string?)view["status"]);
        Assert.DoesNotContain(vendor.Secret, view.ToJsonString());
        await using var db = await app.OpenDatabaseAsync();
        await using var select = new Npgsql.NpgsqlCommand("""SELECT "ClientSecret" FROM identity."OpenIddictApplications" WHERE "ClientId" = $1""", db)
        {
            Parameters = { new() { Value = vendor.ClientId } },
        };
        var stored = (string?)await select.ExecuteScalarAsync();
        Assert.False(string.IsNullOrEmpty(stored));
        Assert.NotEqual(vendor.Secret, stored);
    }

    [Fact]
    public async Task A_suspended_vendor_is_refused_tokens_requests_and_reads_at_once_and_its_grants_show_as_suspended_until_reactivated()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var admin = await app.OperatorAsync();
        using var vendorApi = app.Api(vendor);
        using var customerApi = app.Api(customer);

        var suspended = await (await admin.PostAsJsonAsync($"/v1/vendors/{vendor.Id}/suspend", new { reason = "Data breach under investigation" })).JsonAsync();
        Assert.Equal("suspended", (string?)suspended["status"]);

        // The token it already holds no longer works, and it cannot get a new one.
        await (await vendorApi.ReadProfileAsync(customerId)).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await vendorApi.RequestAccessAsync(customerId, "phone")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await vendorApi.GetAsync($"/v1/grants/{grantId}")).AssertProblemAsync(HttpStatusCode.Forbidden);
        var token = await app.ClientCredentialsAsync(vendor.ClientId, vendor.Secret, "vault.access");
        Assert.True(token.IsError);
        Assert.Equal("suspended", (string?)(await (await customerApi.GetAsync($"/v1/me/grants/{grantId}")).JsonAsync())["status"]);
        await (await customerApi.PostAsJsonAsync("/v1/me/grants", new
        {
            vendorId = vendor.Id, scopes = new[] { "name" }, purpose = "marketing", expiresAt = app.Clock.GetUtcNow().AddDays(5),
        })).AssertProblemAsync(HttpStatusCode.Conflict);

        Assert.Equal("active", (string?)(await (await admin.PostAsJsonAsync($"/v1/vendors/{vendor.Id}/reactivate", new { })).JsonAsync())["status"]);
        Assert.Equal(HttpStatusCode.OK, (await vendorApi.ReadProfileAsync(customerId)).StatusCode);
        Assert.Equal("active", (string?)(await (await customerApi.GetAsync($"/v1/me/grants/{grantId}")).JsonAsync())["status"]);
        await (await admin.PostAsJsonAsync($"/v1/vendors/{vendor.Id}/reactivate", new { })).AssertProblemAsync(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task Rotating_the_secret_ends_the_old_one_and_the_new_one_works()
    {
        var vendor = await app.RegisterVendorAsync();
        using var admin = await app.OperatorAsync();

        var rotated = await (await admin.PostAsJsonAsync($"/v1/vendors/{vendor.Id}/secret", new { })).JsonAsync();
        var newSecret = (string)rotated["clientSecret"]!;

        Assert.NotEqual(vendor.Secret, newSecret);
        Assert.True((await app.ClientCredentialsAsync(vendor.ClientId, vendor.Secret)).IsError);
        Assert.False((await app.ClientCredentialsAsync(vendor.ClientId, newSecret)).IsError);
        Assert.NotNull((await (await admin.GetAsync($"/v1/vendors/{vendor.Id}")).JsonAsync())["secretRotatedAt"]);
    }

    [Fact]
    public async Task Unknown_vendors_are_404_to_operators()
    {
        using var admin = await app.OperatorAsync();

        await (await admin.GetAsync($"/v1/vendors/{Guid.NewGuid()}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsJsonAsync($"/v1/vendors/{Guid.NewGuid()}/suspend", new { })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await admin.PostAsJsonAsync($"/v1/vendors/{Guid.NewGuid()}/secret", new { })).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_operator_sets_where_customers_come_back_to_after_the_vendors_web_flow_and_without_one_it_has_no_web_flow()
    {
        var vendor = await app.RegisterVendorAsync();
        using var admin = await app.OperatorAsync();
        Assert.NotEqual(HttpStatusCode.Created, (await app.PushRawAsync(vendor, VendorWebFlow.Details(), Pkce.Create(), "s")).StatusCode);

        var set = await (await admin.PutAsJsonAsync($"/v1/vendors/{vendor.Id}/redirect-uris", new { redirectUris = new[] { VendorWebFlow.RedirectUri } })).JsonAsync();

        Assert.Equal([VendorWebFlow.RedirectUri], set["redirectUris"]!.AsArray().Select(u => (string?)u));
        Assert.Equal(HttpStatusCode.Created, (await app.PushRawAsync(vendor, VendorWebFlow.Details(), Pkce.Create(), "s")).StatusCode);
        var plainHttp = await (await admin.PutAsJsonAsync($"/v1/vendors/{vendor.Id}/redirect-uris", new { redirectUris = new[] { "http://shop.example/callback" } }))
            .AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["redirectUris"], plainHttp.ErrorFields());
        await (await admin.PutAsJsonAsync($"/v1/vendors/{vendor.Id}/redirect-uris", new { redirectUris = Array.Empty<string>() })).JsonAsync();
        Assert.NotEqual(HttpStatusCode.Created, (await app.PushRawAsync(vendor, VendorWebFlow.Details(), Pkce.Create(), "s")).StatusCode);
        await (await admin.PutAsJsonAsync($"/v1/vendors/{Guid.NewGuid()}/redirect-uris", new { redirectUris = Array.Empty<string>() }))
            .AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_configured_demo_vendor_is_registered_and_can_request_access()
    {
        var token = await app.ClientCredentialsAsync("demo-vendor", "demo-vendor-secret");
        var customer = await app.SignUpAsync();
        using var demo = app.CreateApiClient(token.AccessToken);

        Assert.Equal(HttpStatusCode.Created, (await demo.RequestAccessAsync(await app.ConnectAsync(demo, null, customer))).StatusCode);
    }
}
