using System.Net;
using System.Net.Http.Json;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Consents;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace CustomerVault.Api.Tests.Consents;

/// <summary>Expiry is judged by the vault's clock at the moment of each decision; the sweeper records it afterwards.</summary>
public sealed class ConsentTimeTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task A_grant_past_its_expiry_is_refused_listed_as_expired_and_recorded_as_expired_by_the_sweeper()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var customerApi = app.Api(customer);
        var requestId = await (await vendorApi.RequestAccessAsync(customerId)).IdAsync();
        var grantId = (Guid)(await (await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve",
            new { expiresAt = app.Clock.GetUtcNow().AddDays(10) })).JsonAsync())["grantId"]!;
        Assert.Equal(HttpStatusCode.OK, (await vendorApi.ReadProfileAsync(customerId)).StatusCode);

        app.Clock.Advance(TimeSpan.FromDays(10));
        using var vendorNow = await app.FreshApiAsync(vendor);
        using var customerNow = await app.FreshApiAsync(customer);

        await (await vendorNow.ReadProfileAsync(customerId)).AssertProblemAsync(HttpStatusCode.Forbidden);
        var expired = await (await customerNow.GetAsync("/v1/me/grants?status=expired")).JsonAsync();
        Assert.Equal(grantId.ToString(), (string?)Assert.Single(expired["items"]!.AsArray())!["id"]);
        Assert.Empty((await (await vendorNow.GetAsync("/v1/grants?status=active")).JsonAsync())["items"]!.AsArray());
        await (await customerNow.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { })).AssertProblemAsync(HttpStatusCode.Conflict);

        await app.Services.GetRequiredService<ExpirySweeper>().SweepAsync(CancellationToken.None);
        Assert.Equal(["access_granted", "grant_expired"], await app.EventTypesAsync(grantId));
        Assert.Equal("system:expiry", await LastActorAsync(grantId));
    }

    [Fact]
    public async Task An_unanswered_request_expires_and_can_no_longer_be_approved()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var customerApi = app.Api(customer);
        var requestId = await (await vendorApi.RequestAccessAsync(customerId)).IdAsync();

        app.Clock.Advance(TimeSpan.FromDays(30));
        using var vendorNow = await app.FreshApiAsync(vendor);
        using var customerNow = await app.FreshApiAsync(customer);

        Assert.Equal("expired", (string?)(await (await vendorNow.GetAsync($"/v1/access-requests/{requestId}")).JsonAsync())["status"]);
        Assert.Empty((await (await customerNow.GetAsync("/v1/me/access-requests?status=pending")).JsonAsync())["items"]!.AsArray());
        var problem = await (await customerNow.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve", new { })).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("expired", problem.GetProperty("currentState").GetString());

        await app.Services.GetRequiredService<ExpirySweeper>().SweepAsync(CancellationToken.None);
        Assert.Equal(["access_requested", "access_request_expired"], await app.EventTypesAsync(requestId));
    }

    private async Task<string?> LastActorAsync(Guid streamId)
    {
        await using var db = await app.OpenDatabaseAsync();
        await using var select = new NpgsqlCommand("SELECT user_name FROM vault.mt_events WHERE stream_id = $1 ORDER BY version DESC LIMIT 1", db)
        {
            Parameters = { new() { Value = streamId } },
        };
        return (string?)await select.ExecuteScalarAsync();
    }
}
