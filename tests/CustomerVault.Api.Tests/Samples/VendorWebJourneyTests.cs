using System.Net;
using System.Net.Http.Json;
using CustomerVault.Api.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using VendorWeb;

namespace CustomerVault.Api.Tests.Samples;

/// <summary>samples/VendorWeb and the vault in a real browser: "Connect with CustomerVault", her answer, and her change of mind.</summary>
public sealed class VendorWebJourneyTests(BrowserVaultApp app) : IClassFixture<BrowserVaultApp>, IAsyncLifetime
{
    private const string Password = "a long enough passphrase";
    private readonly List<WebApplication> _sites = [];
    private RegisteredVendor _vendor = null!;
    private string _siteUrl = "";

    public async Task InitializeAsync()
    {
        _vendor = await app.RegisterVendorAsync("Stargazer Optics", scopes: "name email phone");
        _siteUrl = await StartSiteAsync(_vendor, "Stargazer Optics");
    }

    public async Task DisposeAsync()
    {
        foreach (var site in _sites)
        {
            await site.DisposeAsync();
        }
    }

    /// <summary>
    /// The sample site for a vendor, asking for <paramref name="scopes"/>, its return address registered by an operator.
    /// The site registers its webhook endpoint itself once it is up.
    /// </summary>
    private async Task<string> StartSiteAsync(RegisteredVendor vendor, string name, string scopes = "name email phone")
    {
        var site = VendorWebApp.Create([
            "--urls", "http://127.0.0.1:0", "--VendorWeb:Name", name, "--VendorWeb:VaultUrl", app.BaseUrl, "--VendorWeb:ClientId", vendor.ClientId,
            "--VendorWeb:ClientSecret", vendor.Secret, "--VendorWeb:WebhookSecret", vendor.WebhookSecret, "--VendorWeb:Scopes", scopes,
        ]);
        _sites.Add(site);
        await site.StartAsync();
        var url = site.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        await Eventually.HoldsAsync(
            async () => (string?)(await (await app.Api(vendor).GetAsync("/v1/webhooks")).JsonAsync())["url"] == $"{url}/webhooks/customervault",
            () => "The site did not register its webhook endpoint.");
        using var admin = await app.OperatorAsync();
        (await admin.PutAsJsonAsync($"/v1/vendors/{vendor.Id}/redirect-uris", new { redirectUris = new[] { $"{url}/signin-oidc" } })).EnsureSuccessStatusCode();
        return url;
    }

    /// <summary>From the vendor's site to the vault's consent page, creating her account on the way.</summary>
    private static async Task SignUpFromTheSiteAsync(IPage page, string siteUrl, string email)
    {
        await page.GotoAsync(siteUrl);
        await page.GetByRole(AriaRole.Link, new() { Name = "Connect with CustomerVault" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Create one" }).ClickAsync();
        await page.GetByLabel("E-mail address").FillAsync(email);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await page.GetByLabel("Password, again").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
    }

    private static string NewEmail() => $"stargazer.{Guid.NewGuid():N}"[..22] + "@example.org";

    [Fact]
    public async Task She_connects_from_the_vendors_site_signs_up_unticks_her_phone_and_the_site_shows_just_what_she_granted_until_she_revokes()
    {
        var email = NewEmail();
        var page = await app.NewPageAsync();

        // The vendor's site: connect. The vault: she has no account yet, so she creates one on the way.
        await page.GotoAsync(_siteUrl);
        await BrowserVaultApp.ScreenshotAsync(page, "20-vendor-site");
        await SignUpFromTheSiteAsync(page, _siteUrl, email);

        // The consent page: who asks, why, for how long, what.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Stargazer Optics asks for your data" }));
        await Expect(page.GetByText("Our monthly telescope newsletter"));
        await Expect(page.GetByText("6 months from your answer"));
        // Meanwhile she filled in her name and phone number (from her phone, say), so there is something to leave out.
        var customer = await app.SignInAsync(email, Password);
        using (var api = app.CreateApiClient(customer.AccessToken))
        {
            var patched = await api.PatchAsync("/v1/me/profile", new StringContent(
                """{ "identity": { "name": { "given": "Caroline", "family": "Herschel" } }, "contact": { "phone": "+442071838750" } }""",
                System.Text.Encoding.UTF8, "application/merge-patch+json"));
            patched.EnsureSuccessStatusCode();
        }

        await BrowserVaultApp.ScreenshotAsync(page, "21-consent");
        await page.GetByLabel("Phone number").UncheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Allow the ticked items" }).ClickAsync();

        // Back on the vendor's site: exactly what she granted.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "What you share with us" }));
        var granted = await page.Locator("#granted").InnerTextAsync();
        Assert.Contains("Caroline", granted);
        Assert.Contains("Herschel", granted);
        Assert.Contains(email, granted);
        Assert.DoesNotContain("phone", granted);
        Assert.DoesNotContain("+44", granted);
        await BrowserVaultApp.ScreenshotAsync(page, "22-vendor-site-granted");

        // The site knows her by its own id for her: not her vault id, and a name for no one at any other vendor.
        var idAtSite = Guid.Parse(await page.Locator("#customer-id").InnerTextAsync());
        var vaultId = Guid.Parse(Customers.SubjectOf(customer.AccessToken!));
        Assert.NotEqual(vaultId, idAtSite);
        var other = await app.RegisterVendorAsync("Nebula Ads", scopes: "name email phone");
        using (var otherApi = app.Api(other))
        {
            await (await otherApi.ReadProfileAsync(idAtSite)).AssertProblemAsync(HttpStatusCode.NotFound);
            await (await otherApi.RequestAccessAsync(idAtSite)).AssertProblemAsync(HttpStatusCode.NotFound);
        }

        using (var siteApi = app.Api(_vendor))
        {
            await (await siteApi.ReadProfileAsync(vaultId)).AssertProblemAsync(HttpStatusCode.NotFound);
            var grant = Assert.Single((await (await siteApi.GetAsync("/v1/grants")).JsonAsync())["items"]!.AsArray())!;
            Assert.Equal(idAtSite.ToString(), (string?)grant["customerId"]);
            Assert.Equal(["email", "name"], grant["scopes"]!.AsArray().Select(x => (string)x!).Order(StringComparer.Ordinal));
        }

        // She changes her mind in the vault's portal; the vault tells the vendor, and its site shows access ended.
        await page.GotoAsync($"{app.BaseUrl}/portal/relationships");
        var card = page.GetByRole(AriaRole.Article, new() { Name = "Stargazer Optics" });
        await card.GetByRole(AriaRole.Link, new() { Name = "Revoke…" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).GetByText("Revoked"));

        await Eventually.HoldsAsync(async () =>
        {
            await page.GotoAsync(_siteUrl);
            return (await page.Locator("#access-ended").AllInnerTextsAsync()).Any(t => t.StartsWith("You revoked our access", StringComparison.Ordinal));
        }, () => "The vendor's site did not learn of the revocation.");
        Assert.Equal(0, await page.Locator("#granted").CountAsync());

        // The site erased what it held of her and told the vault so: she sees it confirmed, with when.
        Assert.StartsWith("We erased our records of you", await page.Locator("#deleted").InnerTextAsync());
        using (var her = app.CreateApiClient(customer.AccessToken))
        {
            var ended = Assert.Single((await (await her.GetAsync("/v1/me/grants")).JsonAsync())["items"]!.AsArray())!;
            Assert.Equal("confirmed", (string?)ended["deletion"]!["status"]);
            Assert.Equal("deleted", (string?)ended["deletion"]!["confirmations"]![0]!["outcome"]);
            Assert.Equal(["email", "name"], ended["deletion"]!["confirmations"]![0]!["scopes"]!.AsArray().Select(x => (string)x!).Order(StringComparer.Ordinal));
        }

        await BrowserVaultApp.ScreenshotAsync(page, "23-vendor-site-ended");
    }

    [Fact]
    public async Task When_she_denies_on_the_consent_page_the_site_says_nothing_was_shared_and_the_vendor_sees_her_denial()
    {
        var page = await app.NewPageAsync();
        await SignUpFromTheSiteAsync(page, _siteUrl, NewEmail());
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Stargazer Optics asks for your data" }));

        await page.GetByLabel("Reason for saying no").FillAsync("No newsletters, thank you");
        await page.GetByRole(AriaRole.Button, new() { Name = "Deny" }).ClickAsync();

        await Expect(page.GetByRole(AriaRole.Status).GetByText("You did not connect. Nothing of yours was shared with us."));
        Assert.Equal(0, await page.Locator("#granted").CountAsync());
        await BrowserVaultApp.ScreenshotAsync(page, "24-vendor-site-denied");
        using var siteApi = app.Api(_vendor);
        var denied = Assert.Single((await (await siteApi.GetAsync("/v1/access-requests")).JsonAsync())["items"]!.AsArray())!;
        Assert.Equal("denied", (string?)denied["status"]);
        Assert.Equal("No newsletters, thank you", (string?)denied["denialReason"]);
        Assert.Empty((await (await siteApi.GetAsync("/v1/grants")).JsonAsync())["items"]!.AsArray());
    }

    [Fact]
    public async Task A_site_that_asks_beyond_what_its_vendor_may_ask_is_refused_with_invalid_authorization_details_before_anyone_is_asked()
    {
        // The site asks for her address, which its vendor is not registered to ask for (a tampered or mistaken request).
        var vendor = await app.RegisterVendorAsync("Comet Tours", scopes: "name email");
        var siteUrl = await StartSiteAsync(vendor, "Comet Tours", scopes: "name address");
        var page = await app.NewPageAsync();

        await page.GotoAsync(siteUrl);
        await page.GetByRole(AriaRole.Link, new() { Name = "Connect with CustomerVault" }).ClickAsync();

        var refusal = page.GetByRole(AriaRole.Alert);
        await Expect(refusal);
        Assert.Contains("invalid_authorization_details", await refusal.InnerTextAsync());
        Assert.StartsWith(siteUrl, page.Url);
        using var vendorApi = app.Api(vendor);
        Assert.Empty((await (await vendorApi.GetAsync("/v1/access-requests")).JsonAsync())["items"]!.AsArray());
    }

    private static Task Expect(ILocator locator) => Assertions.Expect(locator).ToBeVisibleAsync();
}
