using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Limits;

public sealed class SmallCapsVaultApp : VaultApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Vault:Consents:MaxActiveGrantsPerCustomer"] = "3",
        ["Vault:Consents:MaxActiveGrantsPerVendorAndCustomer"] = "2",
        ["Vault:Consents:MaxPendingRequestsPerCustomer"] = "2",
    };
}

/// <summary>What one customer holds at once is capped, on every path that adds to it, and the refusal says which cap and how many.</summary>
public sealed class ConsentCapTests(SmallCapsVaultApp app) : IClassFixture<SmallCapsVaultApp>
{
    [Fact]
    public async Task Her_own_grants_stop_at_the_cap_per_vendor_and_per_customer_with_409_naming_the_cap_until_she_ends_one()
    {
        var (a, b, c) = (await app.RegisterVendorAsync(), await app.RegisterVendorAsync(), await app.RegisterVendorAsync());
        var customer = await app.SignUpAsync();
        using var api = app.Api(customer);

        Assert.Equal(HttpStatusCode.Created, (await GrantAsync(api, a)).StatusCode);
        var second = await (await GrantAsync(api, a)).IdAsync();
        AssertCap(await (await GrantAsync(api, a)).AssertProblemAsync(HttpStatusCode.Conflict), "activeGrantsPerVendorAndCustomer", 2, 2);
        Assert.Equal(HttpStatusCode.Created, (await GrantAsync(api, b)).StatusCode);
        AssertCap(await (await GrantAsync(api, c)).AssertProblemAsync(HttpStatusCode.Conflict), "activeGrantsPerCustomer", 3, 3);

        (await api.PostAsJsonAsync($"/v1/me/grants/{second}/revoke", new { reason = "room" })).EnsureSuccessStatusCode();
        Assert.Equal(HttpStatusCode.Created, (await GrantAsync(api, c)).StatusCode);
    }

    [Fact]
    public async Task An_approval_beyond_the_cap_is_409_and_the_request_stays_pending()
    {
        var (a, b) = (await app.RegisterVendorAsync(), await app.RegisterVendorAsync());
        var customer = await app.SignUpAsync();
        using var api = app.Api(customer);
        await app.GrantAsync(a, customer);
        await app.GrantAsync(a, customer);
        using var vendorA = app.Api(a);
        var third = await (await vendorA.RequestAccessAsync(await app.ConnectAsync(a, customer))).IdAsync();

        AssertCap(await (await api.PostAsJsonAsync($"/v1/me/access-requests/{third}/approve", new { })).AssertProblemAsync(HttpStatusCode.Conflict),
            "activeGrantsPerVendorAndCustomer", 2, 2);
        Assert.Equal("pending", (string?)(await (await api.GetAsync($"/v1/me/access-requests/{third}")).JsonAsync())["status"]);
        await app.GrantAsync(b, customer);
    }

    [Fact]
    public async Task Pending_requests_from_all_vendors_stop_at_the_cap_with_429_and_when_one_will_expire()
    {
        var (a, b, c) = (await app.RegisterVendorAsync(), await app.RegisterVendorAsync(), await app.RegisterVendorAsync());
        var customer = await app.SignUpAsync();
        Assert.Equal(HttpStatusCode.Created, (await app.Api(a).RequestAccessAsync(await app.ConnectAsync(a, customer))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await app.Api(b).RequestAccessAsync(await app.ConnectAsync(b, customer))).StatusCode);

        var refused = await app.Api(c).RequestAccessAsync(await app.ConnectAsync(c, customer));

        AssertCap(await refused.AssertProblemAsync(HttpStatusCode.TooManyRequests), "pendingRequestsPerCustomer", 2, 2);
        Assert.InRange(refused.Headers.RetryAfter!.Delta!.Value, TimeSpan.FromDays(29), TimeSpan.FromDays(30));
    }

    [Fact]
    public async Task Racing_grants_never_pass_the_cap()
    {
        var vendors = new[] { await app.RegisterVendorAsync(), await app.RegisterVendorAsync(), await app.RegisterVendorAsync(), await app.RegisterVendorAsync() };
        var customer = await app.SignUpAsync();
        using var api = app.Api(customer);

        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(i => GrantAsync(api, vendors[i % vendors.Length])));

        Assert.Equal(3, answers.Count(r => r.StatusCode == HttpStatusCode.Created));
        Assert.Equal(9, answers.Count(r => r.StatusCode == HttpStatusCode.Conflict));
        var active = await (await api.GetAsync("/v1/me/grants?status=active")).JsonAsync();
        Assert.Equal(3, active["items"]!.AsArray().Count);
    }

    private static Task<HttpResponseMessage> GrantAsync(HttpClient api, RegisteredVendor vendor) =>
        api.PostAsJsonAsync("/v1/me/grants", new
        {
            vendorId = vendor.Id, scopes = new[] { "name" }, purpose = "service-delivery", expiresAt = DateTimeOffset.UtcNow.AddMonths(6),
        });

    private static void AssertCap(JsonElement problem, string cap, int limit, int current)
    {
        Assert.Equal(cap, problem.GetProperty("cap").GetString());
        Assert.Equal(limit, problem.GetProperty("limit").GetInt32());
        Assert.Equal(current, problem.GetProperty("current").GetInt32());
    }
}
