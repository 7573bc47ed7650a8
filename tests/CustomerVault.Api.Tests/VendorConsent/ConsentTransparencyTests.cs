using System.Net.Http.Json;
using CustomerVault.Api.Tests.Support;
using Microsoft.Playwright;

namespace CustomerVault.Api.Tests.VendorConsent;

/// <summary>
/// Before she answers, the consent page shows, in a real browser, how the asking company treats its customers (figures
/// of its scorecard, withheld the same way) and how long it declared it keeps data.
/// </summary>
public sealed class ConsentTransparencyTests(BrowserVaultApp app) : IClassFixture<BrowserVaultApp>
{
    private const string Password = "a long enough passphrase";

    [Fact]
    public async Task The_consent_page_shows_the_companys_track_record_and_retention_withholding_what_too_few_customers_support()
    {
        // Ten customers shared for six months, one revoking at once; the company declared its retention and confirmed
        // deletion for nine of the ten grants: nine customers are too few to say anything about deletion.
        var vendor = await app.RegisterVendorAsync("Stargazer Optics", scopes: "name email phone", redirectUri: VendorWebFlow.RedirectUri);
        using (var admin = await app.OperatorAsync())
        {
            (await admin.PutAsJsonAsync($"/v1/vendors/{vendor.Id}/retention", new
            {
                retention = new[] { new { purpose = "marketing", period = "P30D" }, new { purpose = "service-delivery", period = "P2Y" } },
            })).EnsureSuccessStatusCode();
        }

        var grants = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            var customer = await app.SignUpAsync();
            grants.Add(await app.GrantAsync(vendor, customer, "name email"));
            if (i == 0)
            {
                using var her = app.Api(customer);
                (await her.PostAsJsonAsync($"/v1/me/grants/{grants[0]}/revoke", new { reasonCode = "no-longer-needed" })).EnsureSuccessStatusCode();
            }
        }

        app.Clock.Advance(TimeSpan.FromDays(200));
        var fresh = vendor with { AccessToken = (await app.ClientCredentialsAsync(vendor.ClientId, vendor.Secret, "vault.access")).AccessToken! };
        using (var vendorApi = app.Api(fresh))
        {
            foreach (var grantId in grants.Take(9))
            {
                // The expiry sweeper, woken by the clock, records these grants' expiry meanwhile: a confirmation that
                // loses that race is answered 409 "a concurrent change won", and a client sends it again, as here.
                for (var attempt = 1; ; attempt++)
                {
                    using var confirmed = await vendorApi.PostAsJsonAsync($"/v1/grants/{grantId}/deletion-confirmation",
                        new { outcome = "deleted", scopes = new[] { "name", "email" }, performedAt = app.Clock.GetUtcNow() });
                    if (confirmed.StatusCode != System.Net.HttpStatusCode.Conflict || attempt == 5
                        || !(await confirmed.Content.ReadAsStringAsync()).Contains("A concurrent change won.", StringComparison.Ordinal))
                    {
                        confirmed.EnsureSuccessStatusCode();
                        break;
                    }
                }
            }
        }

        // She follows the company's "Connect" link, creates her account on the way, and reaches the consent page.
        var pushed = await app.PushAsync(fresh);
        var page = await app.NewPageAsync();
        await page.GotoAsync(VendorWebFlow.AuthorizeUrl(fresh, pushed));
        await page.GetByRole(AriaRole.Link, new() { Name = "Create one" }).ClickAsync();
        await page.GetByLabel("E-mail address").FillAsync($"transparency.{Guid.NewGuid():N}"[..24] + "@example.org");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await page.GetByLabel("Password, again").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Stargazer Optics asks for your data" })).ToBeVisibleAsync();

        var record = page.GetByRole(AriaRole.Region, new() { Name = "How Stargazer Optics treats its customers" });
        await Assertions.Expect(record).ToBeVisibleAsync();
        Assert.Equal("90% of customers who share with it keep sharing after 6 months.", await record.Locator("[data-figure=keep-sharing]").InnerTextAsync());
        Assert.Equal("100% of the customers it asked allowed everything it asked for.", await record.Locator("[data-figure=approved-in-full]").InnerTextAsync());
        Assert.Equal("Not enough customers yet to say.", await record.Locator("[data-figure=deletion-on-time]").InnerTextAsync());
        var retention = await record.Locator("[data-figure=retention] li").AllInnerTextsAsync();
        Assert.Equal(["Marketing: up to 30 days (this request's purpose)", "To deliver a service you use: up to 2 years"], retention);
        await BrowserVaultApp.ScreenshotAsync(page, "26-consent-track-record");
    }
}
