using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Insights;

/// <summary>
/// The vendor's scorecard against a hand count of seeded customers: twelve asked, ten granted, all ten grants ended, and
/// their deletions confirmed on time, late or not at all. A part resting on fewer than ten customers (the default
/// minimum group size) is withheld; a vendor only ever sees its own.
/// </summary>
public sealed class VendorInsightsTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task The_scorecard_equals_a_hand_count_withholds_small_groups_and_is_the_callers_own()
    {
        var vendor = await app.RegisterVendorAsync();
        var bystander = await app.RegisterVendorAsync();
        var customers = new List<SignedInCustomer>();
        for (var i = 0; i < 12; i++)
        {
            customers.Add(await app.SignUpAsync());
        }

        // Customer 11 never answers: her request expires after 30 days.
        using (var vendorApi = app.Api(vendor))
        {
            await (await vendorApi.RequestAccessAsync(await app.ConnectAsync(vendor, customers[11]), "name email")).IdAsync();
        }

        app.Clock.Advance(TimeSpan.FromDays(31));
        vendor = vendor with { AccessToken = (await app.ClientCredentialsAsync(vendor.ClientId, vendor.Secret, "vault.access")).AccessToken! };
        for (var i = 0; i < customers.Count; i++)
        {
            customers[i] = customers[i] with { Tokens = await app.SignInAsync(customers[i].Email, customers[i].Password) };
        }

        // 0-7 approve in full, 8-9 in part (one of two scopes), 10 denies.
        var grants = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            grants.Add(await app.GrantAsync(vendor, customers[i], "name email", i >= 8 ? "email" : null));
        }

        using (var vendorApi = app.Api(vendor))
        using (var customerApi = app.Api(customers[10]))
        {
            var requestId = await (await vendorApi.RequestAccessAsync(await app.ConnectAsync(vendor, customers[10]), "name email")).IdAsync();
            (await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/deny", new { reason = "No" })).EnsureSuccessStatusCode();
        }

        // A day later 0-3 revoke (three for too many messages, one for no code); two days after that the vendor relinquishes 4-9.
        app.Clock.Advance(TimeSpan.FromDays(1));
        for (var i = 0; i < 4; i++)
        {
            using var customerApi = await app.FreshApiAsync(customers[i]);
            (await customerApi.PostAsJsonAsync($"/v1/me/grants/{grants[i]}/revoke", new { reasonCode = i < 3 ? "too-many-messages" : null }))
                .EnsureSuccessStatusCode();
        }

        app.Clock.Advance(TimeSpan.FromDays(2));
        using (var vendorApi = await app.FreshApiAsync(vendor))
        {
            for (var i = 4; i < 10; i++)
            {
                (await vendorApi.PostAsJsonAsync($"/v1/grants/{grants[i]}/relinquish", new { })).EnsureSuccessStatusCode();
            }

            // 0-5 confirmed at once: on time.
            for (var i = 0; i < 6; i++)
            {
                (await vendorApi.PostAsJsonAsync($"/v1/grants/{grants[i]}/deletion-confirmation", Confirmation(i >= 8 ? "email" : "name email"))).EnsureSuccessStatusCode();
            }
        }

        // 6 confirmed 35 days on (due 30 days after its end): late. 7-9 never: missing.
        app.Clock.Advance(TimeSpan.FromDays(32));
        using (var vendorApi = await app.FreshApiAsync(vendor))
        {
            (await vendorApi.PostAsJsonAsync($"/v1/grants/{grants[6]}/deletion-confirmation", Confirmation("name email"))).EnsureSuccessStatusCode();
        }

        using var vendorNow = await app.FreshApiAsync(vendor);
        var insights = await (await vendorNow.GetAsync("/v1/vendor/insights")).JsonAsync();

        Assert.Equal(10, (int)insights["minimumGroupSize"]!);
        AssertFigures(insights["requests"]!, ("withheld", false), ("count", 12), ("approvedInFull", 0.667), ("approvedInPart", 0.167), ("denied", 0.083),
            ("expiredUnanswered", 0.083));
        AssertFigures(insights["scopes"]!, ("withheld", false), ("asked", 24), ("granted", 18), ("share", 0.75));
        AssertFigures(insights["grantLife"]!, ("withheld", false), ("ended", 10), ("medianDays", 3.0));
        AssertFigures(insights["deletions"]!, ("withheld", false), ("onTime", 6), ("late", 1), ("missing", 3), ("awaiting", 0), ("onTimeShare", 0.6));

        // Four customers revoked: too few to say why without pointing at one of them.
        AssertFigures(insights["revocations"]!, ("withheld", true), ("count", null), ("byReason", null));
        Assert.True((bool)insights["renewals"]!["withheld"]!);
        Assert.True((bool)insights["messages"]!["withheld"]!);
        Assert.True((bool)insights["keepSharing"]!["withheld"]!);

        // Another vendor's scorecard rests on its own (no) customers; a customer has none.
        using var bystanderApi = await app.FreshApiAsync(bystander);
        var theirs = await (await bystanderApi.GetAsync("/v1/vendor/insights")).JsonAsync();
        foreach (var part in new[] { "requests", "scopes", "revocations", "grantLife", "keepSharing", "renewals", "messages", "deletions" })
        {
            Assert.True((bool)theirs[part]!["withheld"]!, part);
        }

        using var customerApiNow = await app.FreshApiAsync(customers[0]);
        Assert.Equal(HttpStatusCode.Forbidden, (await customerApiNow.GetAsync("/v1/vendor/insights")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateApiClient().GetAsync("/v1/vendor/insights")).StatusCode);
    }

    private object Confirmation(string scopes) => new { outcome = "deleted", scopes = scopes.Split(' '), performedAt = app.Clock.GetUtcNow().AddMinutes(-1) };

    private static void AssertFigures(JsonNode part, params (string Name, object? Expected)[] figures)
    {
        foreach (var (name, expected) in figures)
        {
            var actual = part[name];
            switch (expected)
            {
                case null:
                    Assert.True(actual is null, $"{name}: {actual}");
                    break;
                case bool b:
                    Assert.Equal(b, (bool)actual!);
                    break;
                case int n:
                    Assert.Equal(n, (int)actual!);
                    break;
                case double d:
                    Assert.Equal(d, (double)actual!, 3);
                    break;
            }
        }
    }
}
