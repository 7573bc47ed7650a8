using System.Net;
using System.Net.Http.Json;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Consents;

/// <summary>A vault whose vendors have a week, not the default 30 days, to confirm a deletion.</summary>
public sealed class WeekToConfirmVaultApp : VaultApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Vault:Consents:DeletionConfirmationPeriod"] = "7.00:00:00",
    };
}

/// <summary>Every view of a grant judges an overdue deletion by the period the vault is configured with.</summary>
public sealed class ConfiguredDeletionPeriodTests(WeekToConfirmVaultApp app) : IClassFixture<WeekToConfirmVaultApp>
{
    [Fact]
    public async Task Her_grant_relationship_export_and_the_auditors_as_of_view_all_say_not_confirmed_after_the_configured_period()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, "name email");
        using (var customerApi = app.Api(customer))
        {
            (await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { reasonCode = "no-longer-needed" })).EnsureSuccessStatusCode();
        }

        // Past the configured week, well within the default 30 days.
        app.Clock.Advance(TimeSpan.FromDays(8));
        using var customerNow = await app.FreshApiAsync(customer);
        using var auditor = await app.AuditorAsync();

        var grant = await (await customerNow.GetAsync($"/v1/me/grants/{grantId}")).JsonAsync();
        var relationship = (await (await customerNow.GetAsync("/v1/me/relationships")).JsonAsync())["items"]!.AsArray()
            .Single(r => (Guid)r!["vendor"]!["id"]! == vendor.Id)!;
        var exported = Jws.Payload(await customerNow.GetStringAsync("/v1/me/export"))["grants"]!.AsArray()
            .Single(g => (Guid)g!["grant"]!["id"]! == grantId)!["grant"]!;
        var asOf = Assert.Single((await (await auditor.GetAsync(
            $"/v1/audit/customers/{customer.Id}/grants?asOf={Uri.EscapeDataString(app.Clock.GetUtcNow().ToString("O"))}")).JsonAsync())["grants"]!.AsArray())!;

        Assert.Equal("not-confirmed", (string?)grant["deletion"]!["status"]);
        Assert.Equal("not-confirmed", (string?)relationship["deletion"]!["status"]);
        Assert.Equal("not-confirmed", (string?)exported["deletion"]!["status"]);
        Assert.Equal("not-confirmed", (string?)asOf["deletion"]!["status"]);
    }
}

/// <summary>
/// When a grant ends, its vendor states what it did with the data it held: only the grant's vendor, only once the grant
/// ended (or for scopes a narrowing removed), and only once; an overdue statement shows her "not confirmed".
/// </summary>
public sealed class DeletionConfirmationTests(VaultApp app) : IClassFixture<VaultApp>
{
    private object Confirmation(string scopes, DateTimeOffset? performedAt = null, string outcome = "deleted") =>
        new { outcome, scopes = scopes.Split(' '), performedAt = performedAt ?? app.Clock.GetUtcNow() };

    [Fact]
    public async Task Only_the_grants_vendor_confirms_only_after_the_grant_ended_and_only_once()
    {
        var vendor = await app.RegisterVendorAsync();
        var other = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, "name email");
        using var vendorApi = app.Api(vendor);
        using var otherApi = app.Api(other);
        using var customerApi = app.Api(customer);
        var url = $"/v1/grants/{grantId}/deletion-confirmation";

        await (await vendorApi.PostAsJsonAsync(url, Confirmation("name email"))).AssertProblemAsync(HttpStatusCode.Conflict);
        var revoked = await (await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke",
            new { reasonCode = "too-many-messages", reason = "Three mails a day is not what I signed up for" })).JsonAsync();
        Assert.Equal("awaiting", (string?)revoked["deletion"]!["status"]);

        await (await otherApi.PostAsJsonAsync(url, Confirmation("name email"))).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await customerApi.PostAsJsonAsync(url, Confirmation("name email"))).AssertProblemAsync(HttpStatusCode.Forbidden);
        var invalid = await (await vendorApi.PostAsJsonAsync(url, new { outcome = "shredded", scopes = new[] { "phone" }, performedAt = app.Clock.GetUtcNow().AddDays(1) }))
            .AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["outcome", "performedAt", "scopes"], invalid.ErrorFields().Order());
        var partial = await (await vendorApi.PostAsJsonAsync(url, Confirmation("name"))).AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["scopes"], partial.ErrorFields());

        app.Clock.Advance(TimeSpan.FromMinutes(3));
        var performedAt = app.Clock.GetUtcNow().AddMinutes(-2);
        var confirmed = await (await vendorApi.PostAsJsonAsync(url, Confirmation("name email", performedAt, "de-identified"))).JsonAsync();
        Assert.Equal("confirmed", (string?)confirmed["deletion"]!["status"]);
        await (await vendorApi.PostAsJsonAsync(url, Confirmation("name email"))).AssertProblemAsync(HttpStatusCode.Conflict);

        // She sees what it confirmed; the vendor never sees why she revoked, in her words or as a code.
        var hers = await (await customerApi.GetAsync($"/v1/me/grants/{grantId}")).JsonAsync();
        var statement = Assert.Single(hers["deletion"]!["confirmations"]!.AsArray())!;
        Assert.Equal("de-identified", (string?)statement["outcome"]);
        Assert.Equal(performedAt, (DateTimeOffset)statement["performedAt"]!, TimeSpan.FromSeconds(1));
        Assert.Equal("too-many-messages", (string?)hers["endReasonCode"]);
        Assert.Equal("Three mails a day is not what I signed up for", (string?)hers["endReason"]);
        var theirs = await (await vendorApi.GetAsync($"/v1/grants/{grantId}")).JsonAsync();
        Assert.Null(theirs["endReason"]);
        Assert.Null(theirs["endReasonCode"]);
        Assert.DoesNotContain("Three mails", theirs.ToJsonString());

        // Auditors see it in the grant's history.
        using var auditor = await app.AuditorAsync();
        var history = await auditor.GetStringAsync($"/v1/audit/customers/{customer.Id}/history");
        Assert.Contains("grant_deletion_confirmed", history);
    }

    [Fact]
    public async Task A_narrowing_is_confirmed_for_the_removed_scopes_while_the_grant_lasts()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, "name email phone");
        using var vendorApi = app.Api(vendor);
        using var customerApi = app.Api(customer);
        var url = $"/v1/grants/{grantId}/deletion-confirmation";

        var narrowed = await (await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/narrow", new { removeScopes = new[] { "phone" } })).JsonAsync();
        Assert.Equal(["phone"], narrowed["deletion"]!["pending"]!.AsArray().Select(s => (string?)s));
        await (await vendorApi.PostAsJsonAsync(url, Confirmation("email"))).AssertProblemAsync(HttpStatusCode.Conflict);
        var confirmed = await (await vendorApi.PostAsJsonAsync(url, Confirmation("phone"))).JsonAsync();
        Assert.Equal("confirmed", (string?)confirmed["deletion"]!["status"]);
        Assert.Equal("active", (string?)confirmed["status"]);
        await (await vendorApi.PostAsJsonAsync(url, Confirmation("phone"))).AssertProblemAsync(HttpStatusCode.Conflict);

        // When the grant ends, the one final statement covers what it still held.
        await vendorApi.PostAsJsonAsync($"/v1/grants/{grantId}/relinquish", new { reason = "Account closed" });
        var ended = await (await vendorApi.GetAsync($"/v1/grants/{grantId}")).JsonAsync();
        Assert.Equal(["email", "name"], ended["deletion"]!["pending"]!.AsArray().Select(s => (string?)s));
        Assert.Equal("confirmed", (string?)(await (await vendorApi.PostAsJsonAsync(url, Confirmation("name email"))).JsonAsync())["deletion"]!["status"]);
    }

    [Fact]
    public async Task An_overdue_confirmation_shows_her_not_confirmed_per_company()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, "name email");
        using (var customerApi = app.Api(customer))
        {
            await (await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { reasonCode = "no-longer-needed" })).JsonAsync();
        }

        app.Clock.Advance(TimeSpan.FromDays(31));
        using var customerNow = await app.FreshApiAsync(customer);
        var grant = await (await customerNow.GetAsync($"/v1/me/grants/{grantId}")).JsonAsync();
        Assert.Equal("not-confirmed", (string?)grant["deletion"]!["status"]);
        var relationship = (await (await customerNow.GetAsync("/v1/me/relationships")).JsonAsync())["items"]!.AsArray()
            .Single(r => (Guid)r!["vendor"]!["id"]! == vendor.Id)!;
        Assert.Equal("not-confirmed", (string?)relationship["deletion"]!["status"]);

        // Late is still better than never, and she sees when.
        using var vendorNow = await app.FreshApiAsync(vendor);
        var performedAt = app.Clock.GetUtcNow().AddHours(-2);
        await (await vendorNow.PostAsJsonAsync($"/v1/grants/{grantId}/deletion-confirmation", Confirmation("name email", performedAt))).JsonAsync();
        relationship = (await (await customerNow.GetAsync("/v1/me/relationships")).JsonAsync())["items"]!.AsArray()
            .Single(r => (Guid)r!["vendor"]!["id"]! == vendor.Id)!;
        Assert.Equal("confirmed", (string?)relationship["deletion"]!["status"]);
        Assert.Equal(performedAt, (DateTimeOffset)relationship["deletion"]!["deletedAt"]!, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Her_reason_code_must_be_one_of_the_list()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer);
        using var customerApi = app.Api(customer);
        var problem = await (await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { reasonCode = "they-are-evil" }))
            .AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal(["reasonCode"], problem.ErrorFields());
    }
}
