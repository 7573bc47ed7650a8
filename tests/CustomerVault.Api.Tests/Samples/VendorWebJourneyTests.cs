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
    private WebApplication _site = null!;
    private string _siteUrl = "";

    public async Task InitializeAsync()
    {
        var vendor = await app.RegisterVendorAsync("Stargazer Optics", scopes: "name email phone");
        _site = VendorWebApp.Create([
            "--urls", "http://127.0.0.1:0", "--VendorWeb:Name", "Stargazer Optics", "--VendorWeb:VaultUrl", app.BaseUrl, "--VendorWeb:ClientId", vendor.ClientId,
            "--VendorWeb:ClientSecret", vendor.Secret, "--VendorWeb:WebhookSecret", vendor.WebhookSecret,
        ]);
        await _site.StartAsync();
        _siteUrl = _site.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        // The site registers its webhook endpoint itself once it is up; where customers come back to, an operator registers.
        await Eventually.HoldsAsync(
            async () => (string?)(await (await app.Api(vendor).GetAsync("/v1/webhooks")).JsonAsync())["url"] == $"{_siteUrl}/webhooks/customervault",
            () => "The site did not register its webhook endpoint.");
        using var admin = await app.OperatorAsync();
        (await admin.PutAsJsonAsync($"/v1/vendors/{vendor.Id}/redirect-uris", new { redirectUris = new[] { $"{_siteUrl}/signin-oidc" } })).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync() => await _site.DisposeAsync();

    [Fact]
    public async Task She_connects_from_the_vendors_site_signs_up_unticks_her_phone_and_the_site_shows_just_what_she_granted_until_she_revokes()
    {
        var email = $"stargazer.{Guid.NewGuid():N}"[..22] + "@example.org";
        var page = await app.NewPageAsync();

        // The vendor's site: connect.
        await page.GotoAsync(_siteUrl);
        await BrowserVaultApp.ScreenshotAsync(page, "20-vendor-site");
        await page.GetByRole(AriaRole.Link, new() { Name = "Connect with CustomerVault" }).ClickAsync();

        // The vault: she has no account yet, so she creates one on the way.
        await page.GetByRole(AriaRole.Link, new() { Name = "Create one" }).ClickAsync();
        await page.GetByLabel("E-mail address").FillAsync(email);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await page.GetByLabel("Password, again").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();

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
        await BrowserVaultApp.ScreenshotAsync(page, "23-vendor-site-ended");
    }

    private static Task Expect(ILocator locator) => Assertions.Expect(locator).ToBeVisibleAsync();
}
