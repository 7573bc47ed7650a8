using System.Net;
using System.Net.Http.Json;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Consents;

public sealed class ContactTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task Without_a_grant_with_contact_terms_contact_is_denied()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.GrantAsync(vendor, customer);
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);

        var permission = await (await vendorApi.GetAsync($"/v1/customers/{customerId}/contact-permission?channel=email")).JsonAsync();

        Assert.False((bool)permission["allowed"]!);
        Assert.Equal("no-contact-grant", (string?)permission["reason"]);
    }

    [Fact]
    public async Task Contacts_are_allowed_on_granted_and_accepted_channels_up_to_the_lower_weekly_cap_and_appear_in_the_access_log()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.SetProfileAsync(customer, """{ "preferences": { "communication": { "channels": ["phone", "sms"], "maxContactsPerWeek": 2 } } }""");
        await app.GrantAsync(vendor, customer, contactTerms: new { channels = new[] { "phone", "post" }, maxContactsPerWeek = 3 });
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var customerApi = app.Api(customer);

        var post = await (await vendorApi.GetAsync($"/v1/customers/{customerId}/contact-permission?channel=post")).JsonAsync();
        var sms = await (await vendorApi.GetAsync($"/v1/customers/{customerId}/contact-permission?channel=sms")).JsonAsync();
        Assert.Equal("channel-not-accepted", (string?)post["reason"]);
        Assert.Equal("channel-not-granted", (string?)sms["reason"]);

        var phone = await (await vendorApi.GetAsync($"/v1/customers/{customerId}/contact-permission?channel=phone")).JsonAsync();
        Assert.True((bool)phone["allowed"]!);
        Assert.Equal(2, (int)phone["weeklyLimit"]!);

        Assert.Equal(HttpStatusCode.Created, (await vendorApi.PostAsJsonAsync($"/v1/customers/{customerId}/contacts", new { channel = "phone" })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await vendorApi.PostAsJsonAsync($"/v1/customers/{customerId}/contacts", new { channel = "phone" })).StatusCode);
        var third = await vendorApi.PostAsJsonAsync($"/v1/customers/{customerId}/contacts", new { channel = "phone" });
        var cap = await third.AssertProblemAsync(HttpStatusCode.TooManyRequests);
        Assert.Equal("weekly-cap-reached", cap.GetProperty("reason").GetString());
        Assert.True(cap.GetProperty("nextAllowedAt").GetDateTimeOffset() > app.Clock.GetUtcNow().AddDays(6));
        Assert.NotNull(third.Headers.RetryAfter);
        await (await vendorApi.PostAsJsonAsync($"/v1/customers/{customerId}/contacts", new { channel = "post" })).AssertProblemAsync(HttpStatusCode.Forbidden);

        var log = await (await customerApi.GetAsync($"/v1/me/access-log?vendorId={vendor.Id}")).JsonAsync();
        var contacts = log["items"]!.AsArray().Where(e => (string?)e!["kind"] == "contact").ToList();
        Assert.Equal(2, contacts.Count);
        Assert.All(contacts, c => Assert.Equal("phone", (string?)c!["channel"]));
        var row = Assert.Single((await customerApi.GetFromJsonAsync<System.Text.Json.Nodes.JsonObject>("/v1/me/relationships"))!["items"]!.AsArray())!;
        Assert.Equal(2, (int)row["contactsLast7Days"]!);

        // A week later the count starts again.
        app.Clock.Advance(TimeSpan.FromDays(7) + TimeSpan.FromMinutes(1));
        using var later = await app.FreshApiAsync(vendor);
        Assert.True((bool)(await (await later.GetAsync($"/v1/customers/{customerId}/contact-permission?channel=phone")).JsonAsync())["allowed"]!);
    }

    [Fact]
    public async Task Contacts_the_vault_delivers_itself_are_not_self_reported_they_are_messages()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.GrantAsync(vendor, customer, contactTerms: new { channels = new[] { "email", "sms" }, maxContactsPerWeek = 3 });
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);

        foreach (var channel in new[] { "email", "sms", "portal" })
        {
            var problem = await (await vendorApi.PostAsJsonAsync($"/v1/customers/{customerId}/contacts", new { channel })).AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.Equal(["channel"], problem.ErrorFields());
        }
    }

    [Fact]
    public async Task An_unknown_channel_is_400()
    {
        var vendor = await app.RegisterVendorAsync();
        using var vendorApi = app.Api(vendor);

        var problem = await (await vendorApi.GetAsync($"/v1/customers/{Guid.NewGuid()}/contact-permission?channel=pigeon")).AssertProblemAsync(HttpStatusCode.BadRequest);

        Assert.Equal(["channel"], problem.ErrorFields());
    }
}
