using System.Net;
using System.Net.Http.Json;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Consents;

/// <summary>A vendor never sees another vendor's requests or grants; a customer never touches another customer's.</summary>
public sealed class ConsentIsolationTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task Vendor_B_gets_404_for_vendor_As_request_and_grant_and_403_reading_As_customer()
    {
        var vendorA = await app.RegisterVendorAsync();
        var vendorB = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendorA, customer);
        using var a = app.Api(vendorA);
        using var b = app.Api(vendorB);
        var requestId = await (await a.RequestAccessAsync(await app.ConnectAsync(vendorA, customer), "phone")).IdAsync();
        var customerAtB = await app.ConnectAsync(vendorB, customer);

        await (await b.GetAsync($"/v1/access-requests/{requestId}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await b.GetAsync($"/v1/grants/{grantId}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await b.PostEmptyAsync($"/v1/grants/{grantId}/relinquish")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await b.ReadProfileAsync(customerAtB)).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Empty((await (await b.GetAsync($"/v1/grants?customerId={customerAtB}")).JsonAsync())["items"]!.AsArray());
        Assert.Empty((await (await b.GetAsync("/v1/access-requests")).JsonAsync())["items"]!.AsArray());
    }

    [Fact]
    public async Task Customer_Y_gets_404_for_customer_Xs_request_and_grant()
    {
        var vendor = await app.RegisterVendorAsync();
        var x = await app.SignUpAsync();
        var y = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, x);
        using var vendorApi = app.Api(vendor);
        var requestId = await (await vendorApi.RequestAccessAsync(await app.ConnectAsync(vendor, x), "phone")).IdAsync();
        using var yApi = app.Api(y);

        await (await yApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve", new { })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await yApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/deny", new { })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await yApi.GetAsync($"/v1/me/access-requests/{requestId}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await yApi.GetAsync($"/v1/me/grants/{grantId}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await yApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { })).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await (await yApi.GetAsync("/v1/me/grants")).JsonAsync())["items"]!.AsArray());

        using var xApi = app.Api(x);
        Assert.Equal("pending", (string?)(await (await xApi.GetAsync($"/v1/me/access-requests/{requestId}")).JsonAsync())["status"]);
    }

    [Fact]
    public async Task Tokens_without_vault_access_can_neither_request_nor_read()
    {
        var customer = await app.SignUpAsync();
        var auditor = await app.ClientCredentialsAsync("demo-auditor", "demo-auditor-secret");
        using var auditorApi = app.CreateApiClient(auditor.AccessToken);
        using var customerApi = app.Api(customer);
        using var anonymous = app.CreateApiClient();

        foreach (var client in new[] { auditorApi, customerApi })
        {
            await (await client.RequestAccessAsync(customer.Id)).AssertProblemAsync(HttpStatusCode.Forbidden);
            await (await client.ReadProfileAsync(customer.Id)).AssertProblemAsync(HttpStatusCode.Forbidden);
            await (await client.GetAsync("/v1/grants")).AssertProblemAsync(HttpStatusCode.Forbidden);
        }

        await (await anonymous.ReadProfileAsync(customer.Id)).AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Vendor_tokens_cannot_use_customer_or_operator_endpoints_nor_customer_tokens_the_operators()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        using var vendorApi = app.Api(vendor);
        using var customerApi = app.Api(customer);

        await (await vendorApi.GetAsync("/v1/me/grants")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await vendorApi.GetAsync("/v1/vendors")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await customerApi.GetAsync("/v1/vendors")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await customerApi.PostAsJsonAsync("/v1/vendors", new { displayName = "x" })).AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_customer_token_without_vault_consents_cannot_decide()
    {
        var customer = await app.SignUpAsync(scope: "openid vault.profile");
        using var api = app.Api(customer);

        var problem = await (await api.GetAsync("/v1/me/access-requests")).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("vault.consents", problem.GetProperty("detail").GetString());
    }
}
