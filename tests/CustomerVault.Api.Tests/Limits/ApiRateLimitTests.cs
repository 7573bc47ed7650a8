using System.Net;
using System.Net.Http.Json;
using System.Text;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Limits;

public sealed class ApiLimitsVaultApp : LimitedVaultApp
{
    protected override IDictionary<string, string?> Limits => new Dictionary<string, string?>(
        PerHour("Clients", 6).Concat(PerHour("CustomerWrites", 3)).Concat(PerHour("Exports", 2)).Concat(PerHour("Anonymous", 5)));
}

/// <summary>Each caller has its own bucket, found from what the vault checked (the token), never from what the caller says.</summary>
public sealed class ApiRateLimitTests(ApiLimitsVaultApp app) : IClassFixture<ApiLimitsVaultApp>
{
    [Fact]
    public async Task A_vendor_over_its_limit_gets_429_with_Retry_After_and_RateLimit_headers_while_another_vendor_is_served()
    {
        // Two registrations: two of the operator's six calls.
        var vendor = await app.RegisterVendorAsync();
        var other = await app.RegisterVendorAsync();
        using var api = app.Api(vendor);

        for (var i = 0; i < 6; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/v1/grants")).StatusCode);
        }

        var refused = await api.GetAsync("/v1/grants");
        await refused.AssertThrottledAsync("clients", 6, 3600);
        // Whatever the caller claims about itself, the bucket is the token's client.
        var disguised = new HttpRequestMessage(HttpMethod.Get, "/v1/grants") { Headers = { { "X-Forwarded-For", "203.0.113.9" }, { "X-Client-Id", other.ClientId } } };
        Assert.Equal(HttpStatusCode.TooManyRequests, (await api.SendAsync(disguised)).StatusCode);

        using var otherApi = app.Api(other);
        Assert.Equal(HttpStatusCode.OK, (await otherApi.GetAsync("/v1/grants")).StatusCode);
    }

    [Fact]
    public async Task A_customer_over_her_write_limit_gets_429_but_still_reads_and_other_customers_still_write()
    {
        var customer = await app.SignUpAsync();
        var other = await app.SignUpAsync();
        using var api = app.Api(customer);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await PatchAsync(api, $"{{\"identity\": {{\"name\": {{\"given\": \"Ada{i}\"}}}}}}")).StatusCode);
        }

        await (await PatchAsync(api, """{"identity": {"name": {"given": "Eve"}}}""")).AssertThrottledAsync("customer-writes", 3, 3600);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/v1/me/profile")).StatusCode);
        using var otherApi = app.Api(other);
        Assert.Equal(HttpStatusCode.OK, (await PatchAsync(otherApi, """{"identity": {"name": {"given": "Grace"}}}""")).StatusCode);
    }

    [Fact]
    public async Task Her_exports_have_a_limit_of_their_own()
    {
        var customer = await app.SignUpAsync();
        using var api = app.Api(customer);

        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/v1/me/export")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/v1/me/export")).StatusCode);

        await (await api.GetAsync("/v1/me/export")).AssertThrottledAsync("exports", 2, 3600);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/v1/me/profile")).StatusCode);
    }

    [Fact]
    public async Task Calls_without_a_valid_token_are_limited_per_address()
    {
        using var anonymous = app.CreateApiClient();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetFromAsync("/v1/catalog", "198.51.100.7")).StatusCode);
        }

        await (await anonymous.GetFromAsync("/v1/catalog", "198.51.100.7")).AssertThrottledAsync("anonymous", 5, 3600);
        using var forged = app.CreateApiClient("not-a-token");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await forged.GetFromAsync("/v1/grants", "198.51.100.7")).StatusCode);
        // Another network is not affected; an IPv6 host's neighbours in its /64 are the same network.
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetFromAsync("/v1/catalog", "198.51.100.8")).StatusCode);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await anonymous.GetFromAsync("/v1/catalog", $"2001:db8:1:2::{i + 1:x}")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await anonymous.GetFromAsync("/v1/catalog", "2001:db8:1:2:ffff::1")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetFromAsync("/v1/catalog", "2001:db8:1:3::1")).StatusCode);
    }

    private static Task<HttpResponseMessage> PatchAsync(HttpClient api, string patch) =>
        api.PatchAsync("/v1/me/profile", new StringContent(patch, Encoding.UTF8, "application/merge-patch+json"));
}
