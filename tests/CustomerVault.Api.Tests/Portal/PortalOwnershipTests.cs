using System.Net.Http.Json;
using CustomerVault.Api.Tests.Support;
using Microsoft.Playwright;

namespace CustomerVault.Api.Tests.Portal;

public sealed class PortalOwnershipTests(BrowserVaultApp app) : IClassFixture<BrowserVaultApp>
{
    [Fact]
    public async Task Another_customers_request_grant_or_receipt_id_in_a_portal_url_is_not_found()
    {
        var vendor = await app.RegisterVendorAsync("Other Ltd");
        var other = await app.SignUpAsync();
        var othersGrant = await app.GrantAsync(vendor, other);
        var othersRequest = await (await app.Api(vendor).RequestAccessAsync(await app.ConnectAsync(vendor, other))).IdAsync();
        var page = await SignedInPageAsync();

        foreach (var url in new[] { $"/portal/requests/{othersRequest}", $"/portal/grants/{othersGrant}", $"/portal/grants/{othersGrant}/receipt" })
        {
            var response = await page.GotoAsync(url);
            Assert.Equal(404, response!.Status);
            Assert.DoesNotContain("Other Ltd", await page.ContentAsync());
        }

        // Posting a decision on her request is refused the same way, and the request stays pending.
        await page.GotoAsync("/portal/profile");
        var token = await page.Locator("input[name=__RequestVerificationToken]").First.GetAttributeAsync("value");
        var posted = await page.APIRequest.PostAsync($"/portal/requests/{othersRequest}?handler=Deny", new()
        {
            Form = page.APIRequest.CreateFormData().Set("__RequestVerificationToken", token ?? "").Set("Version", "1"),
        });
        Assert.Equal(404, posted.Status);
        Assert.Equal("pending", (string?)(await (await app.Api(other).GetAsync($"/v1/me/access-requests/{othersRequest}")).JsonAsync())["status"]);
    }

    [Fact]
    public async Task Without_signing_in_the_portal_sends_her_to_the_sign_in_page()
    {
        var page = await (await app.Browser.NewContextAsync(new() { BaseURL = app.BaseUrl })).NewPageAsync();

        await page.GotoAsync("/portal/relationships");

        Assert.Contains("/account/sign-in", page.Url);
    }

    [Fact]
    public async Task She_grants_a_vendor_access_on_her_own_then_narrows_it_and_a_form_from_before_the_change_is_refused()
    {
        await app.RegisterVendorAsync("Orbit Books");
        var page = await SignedInPageAsync();
        await page.GotoAsync("/portal/relationships");

        var form = page.GetByRole(AriaRole.Region, new() { Name = "Grant access on your own initiative" });
        // The form stays folded until she asks for it, so the page leads with the companies she deals with.
        await form.GetByText("Choose a company and what it may see").ClickAsync();
        await form.GetByLabel("Company").SelectOptionAsync(new SelectOptionValue { Label = "Orbit Books" });
        await form.GetByRole(AriaRole.Button, new() { Name = "Grant access" }).ClickAsync();
        await Assertions.Expect(form.GetByText("must")).ToBeVisibleAsync();
        await BrowserVaultApp.ScreenshotAsync(page, "11-grant-error");

        await form.GetByLabel("Name", new() { Exact = true }).CheckAsync();
        await form.GetByLabel("E-mail address").CheckAsync();
        await form.GetByLabel("Why").SelectOptionAsync(new SelectOptionValue { Label = "To deliver a service you use" });
        await form.GetByRole(AriaRole.Button, new() { Name = "Grant access" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).GetByText("You granted access to Name, E-mail address")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Article, new() { Name = "Orbit Books" }).GetByRole(AriaRole.Link, new() { Name = "Narrow…" }).ClickAsync();
        var stale = await page.Context.NewPageAsync();
        await stale.GotoAsync(page.Url);
        await page.GetByLabel("E-mail address").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, stop sharing the ticked items" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).GetByText("the company may now see only Name")).ToBeVisibleAsync();

        // The second window still shows the grant as it was; revoking from it is refused, not applied blindly.
        await stale.GetByRole(AriaRole.Button, new() { Name = "Yes, revoke" }).ClickAsync();
        await Assertions.Expect(stale.GetByRole(AriaRole.Alert).GetByText("This changed since you opened the page")).ToBeVisibleAsync();
        await BrowserVaultApp.ScreenshotAsync(stale, "12-stale-form");
    }

    [Fact]
    public async Task She_cannot_grant_past_the_purposes_longest_duration_and_confirms_a_grant_with_one_click()
    {
        await app.RegisterVendorAsync("Comet Letters");
        var page = await SignedInPageAsync();
        await page.GotoAsync("/portal/relationships");

        var form = page.GetByRole(AriaRole.Region, new() { Name = "Grant access on your own initiative" });
        await form.GetByText("Choose a company and what it may see").ClickAsync();
        await form.GetByLabel("Company").SelectOptionAsync(new SelectOptionValue { Label = "Comet Letters" });
        await form.GetByLabel("E-mail address").CheckAsync();
        await form.GetByLabel("Why").SelectOptionAsync("marketing");
        await form.GetByLabel("Until").FillAsync(app.Clock.GetUtcNow().AddMonths(13).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await form.GetByRole(AriaRole.Button, new() { Name = "Grant access" }).ClickAsync();
        await Assertions.Expect(form.GetByText("must be at most P12M from now")).ToBeVisibleAsync();
        // The refusal is tied to the date: the field is marked invalid and described by the message and its hint.
        Assert.Equal("true", await form.GetByLabel("Until").GetAttributeAsync("aria-invalid"));
        Assert.Equal("grant-expires-hint grant-expires-error", await form.GetByLabel("Until").GetAttributeAsync("aria-describedby"));
        Assert.Contains("must be at most P12M", await page.Locator("#grant-expires-error").InnerTextAsync());
        await BrowserVaultApp.ScreenshotAsync(page, "13-grant-too-long");

        await form.GetByLabel("Until").FillAsync(app.Clock.GetUtcNow().AddMonths(6).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        await form.GetByRole(AriaRole.Button, new() { Name = "Grant access" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).GetByText("You granted access to E-mail address")).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Article, new() { Name = "Comet Letters" }).GetByRole(AriaRole.Link, new() { Name = "Narrow…" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Yes, keep sharing" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).GetByText("Confirmed: you keep sharing under this grant")).ToBeVisibleAsync();
        await BrowserVaultApp.ScreenshotAsync(page, "14-grant-confirmed");
    }

    private async Task<IPage> SignedInPageAsync()
    {
        var customer = await app.SignUpAsync();
        var page = await app.NewPageAsync();
        await page.GotoAsync("/account/sign-in");
        await page.GetByLabel("E-mail address").FillAsync(customer.Email);
        await page.GetByLabel("Password").FillAsync(customer.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Requests for your data" })).ToBeVisibleAsync();
        return page;
    }
}
