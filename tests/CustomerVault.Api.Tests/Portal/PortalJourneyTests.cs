using System.Net;
using System.Net.Http.Json;
using CustomerVault.Api.Tests.Support;
using Microsoft.Playwright;

namespace CustomerVault.Api.Tests.Portal;

/// <summary>A customer manages her vault in a real browser, start to finish.</summary>
public sealed class PortalJourneyTests(BrowserVaultApp app) : IClassFixture<BrowserVaultApp>
{
    private const string Password = "a long enough passphrase";

    [Fact]
    public async Task A_customer_signs_up_fills_her_profile_approves_part_of_a_request_sees_the_read_revokes_exports_and_erases()
    {
        var email = $"portal.{Guid.NewGuid():N}"[..20] + "@example.org";
        var page = await app.NewPageAsync();

        // Sign up, sign out, sign in again.
        await page.GotoAsync("/account/sign-up");
        await page.GetByLabel("E-mail address").FillAsync(email);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await page.GetByLabel("Password, again").FillAsync(Password);
        await BrowserVaultApp.ScreenshotAsync(page, "01-sign-up");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create account" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Requests for your data" }));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.GotoAsync("/portal/profile");
        await page.GetByLabel("E-mail address").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(Password);
        await BrowserVaultApp.ScreenshotAsync(page, "02-sign-in");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        // Her profile: a wrong phone number is explained next to the field, and nothing is saved until it is right.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your profile" }));
        Assert.Equal(email, await page.GetByLabel("E-mail address").InputValueAsync());
        await page.GetByLabel("Given name").FillAsync("Ada");
        await page.GetByLabel("Family name").FillAsync("Lovelace");
        await page.GetByLabel("Phone number").FillAsync("12345");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByText("Phone number: must be"));
        // The message is tied to its field: announced with it, and the field marked invalid.
        var phone = page.GetByLabel("Phone number");
        Assert.Equal("true", await phone.GetAttributeAsync("aria-invalid"));
        var describedBy = (await phone.GetAttributeAsync("aria-describedby"))!.Split(' ');
        Assert.Contains("phone-hint", describedBy);
        Assert.Contains("Phone number: must be", await page.Locator($"#{describedBy.Last()}").InnerTextAsync());
        Assert.Null(await page.GetByLabel("Given name").GetAttributeAsync("aria-invalid"));
        await BrowserVaultApp.ScreenshotAsync(page, "03-profile-error");
        Assert.Equal("Ada", await page.GetByLabel("Given name").InputValueAsync());
        await page.GetByLabel("Phone number").FillAsync("+442071838750");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).GetByText("Saved."));
        await BrowserVaultApp.ScreenshotAsync(page, "04-profile");

        // She connects a vendor with a code: it learns its own id for her, never her vault id.
        var vendor = await app.RegisterVendorAsync("Stargazer Optics");
        using var vendorApi = app.Api(vendor);
        await page.GetByRole(AriaRole.Link, new() { Name = "Who sees your data" }).ClickAsync();
        await page.GetByLabel("Company (optional: only this company can use the code)").SelectOptionAsync(new SelectOptionValue { Label = "Stargazer Optics" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Create a connection code" }).ClickAsync();
        var code = await page.Locator("#connection-code").InnerTextAsync();
        await BrowserVaultApp.ScreenshotAsync(page, "05-connection-code");
        var customerId = Guid.Parse((string)(await (await vendorApi.PostAsJsonAsync("/v1/connections", new { code })).JsonAsync())["customerId"]!);
        await page.GotoAsync("/portal/relationships");
        await Expect(page.GetByRole(AriaRole.Article, new() { Name = "Stargazer Optics" }).GetByText("and has no access"));

        // The vendor asks over the API; she approves two of the three scopes.
        await (await vendorApi.RequestAccessAsync(customerId, "name email phone")).IdAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Requests" }).ClickAsync();
        var request = page.GetByRole(AriaRole.Article, new() { Name = "Stargazer Optics asks for your data" });
        await Expect(request);
        await Expect(request.GetByText("Our monthly newsletter about telescopes."));
        await BrowserVaultApp.ScreenshotAsync(page, "06-request");
        await request.GetByLabel("Phone number").UncheckAsync();
        await request.GetByRole(AriaRole.Button, new() { Name = "Approve the ticked items" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).GetByText("You approved Stargazer Optics's request: Name, E-mail address"));

        // The vendor reads; the read shows in her access log with what was read.
        var read = await (await vendorApi.GetAsync($"/v1/customers/{customerId}/profile?purpose=marketing")).JsonAsync();
        Assert.Null(read["profile"]!["contact"]!["phone"]);
        await page.GetByRole(AriaRole.Link, new() { Name = "Reads" }).ClickAsync();
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Stargazer Optics" });
        await Expect(row);
        await Expect(row.GetByText("Read Name, E-mail address"));
        await BrowserVaultApp.ScreenshotAsync(page, "07-access-log");
        // A date written another way is refused next to its field, and nothing is listed as if it had filtered.
        await page.GotoAsync(new Uri(new Uri(page.Url), "/portal/access-log?from=11%2F23%2F2026").ToString());
        await Expect(page.GetByText("is not a date written as yyyy-mm-dd"));
        Assert.Equal(0, await page.GetByRole(AriaRole.Row).Filter(new() { HasText = "Stargazer Optics" }).CountAsync());
        await page.GoBackAsync();

        // Relationships: one card for the vendor, with its read; she revokes, and the vendor's next read is refused.
        await page.GetByRole(AriaRole.Link, new() { Name = "Who sees your data" }).ClickAsync();
        var card = page.GetByRole(AriaRole.Article, new() { Name = "Stargazer Optics" });
        await Expect(card.GetByText("Has access"));
        await BrowserVaultApp.ScreenshotAsync(page, "08-relationships");
        await card.GetByRole(AriaRole.Link, new() { Name = "Revoke…" }).ClickAsync();
        await BrowserVaultApp.ScreenshotAsync(page, "09-revoke-confirmation");
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status).GetByText("Revoked"));
        await (await vendorApi.GetAsync($"/v1/customers/{customerId}/profile?purpose=marketing")).AssertProblemAsync(HttpStatusCode.Forbidden);

        // Export: a signed file that verifies against the vault's published keys.
        await page.GetByRole(AriaRole.Link, new() { Name = "Your data", Exact = true }).ClickAsync();
        await BrowserVaultApp.ScreenshotAsync(page, "10-my-data");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download, signed (.jws)" }).ClickAsync());
        var jws = await File.ReadAllTextAsync((await download.PathAsync())!);
        var validation = await Jws.ValidateAsync(jws, await app.PublishedKeysAsync(), "customervault-export+jwt");
        Assert.True(validation.IsValid, validation.Exception?.Message);
        var exported = Jws.Payload(jws);
        Assert.Equal("Lovelace", (string?)exported["profile"]!["identity"]!["name"]!["family"]);
        Assert.Equal("revoked", (string?)exported["grants"]![0]!["grant"]!["status"]);

        // Erase: a wrong confirmation erases nothing; the right one erases everything and signs her out.
        await page.GetByLabel("Type ERASE to confirm").FillAsync("erase");
        await page.GetByRole(AriaRole.Button, new() { Name = "Erase my account" }).ClickAsync();
        await Expect(page.GetByText("Type ERASE in capital letters to confirm; nothing was erased."));
        await page.GetByLabel("Type ERASE to confirm").FillAsync("ERASE");
        await page.GetByRole(AriaRole.Button, new() { Name = "Erase my account" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Your account is erased" }));
        await BrowserVaultApp.ScreenshotAsync(page, "11-erased");
        await (await vendorApi.GetAsync($"/v1/customers/{customerId}/profile?purpose=marketing")).AssertProblemAsync(HttpStatusCode.Gone);

        await page.GotoAsync("/account/sign-in");
        await page.GetByLabel("E-mail address").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(page.GetByText("The e-mail address or the password is not right."));
    }

    private static Task Expect(ILocator locator) => Assertions.Expect(locator).ToBeVisibleAsync();
}
