using System.Net;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;
using Microsoft.Playwright;

namespace CustomerVault.Api.Tests.Portal;

/// <summary>Her inbox in a real browser: a company's message, her answer, and "stop messages from this company".</summary>
public sealed class PortalMessagesTests(BrowserVaultApp app) : IClassFixture<BrowserVaultApp>
{
    [Fact]
    public async Task She_reads_a_message_answers_it_and_stops_the_company()
    {
        var customer = await app.SignUpAsync();
        var vendor = await app.RegisterVendorAsync("Orion Telescopes");
        await app.GrantAsync(vendor, customer, contactTerms: MessageRequests.EmailTerms);
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        Assert.Equal(HttpStatusCode.Accepted,
            (await vendorApi.SendMessageAsync(customerId, "portal", "Star party on Friday", "Join us at the observatory.\nBring warm clothes.")).StatusCode);

        var page = await app.NewPageAsync();
        await page.GotoAsync("/portal/messages");
        await page.GetByLabel("E-mail address").FillAsync(customer.Email);
        await page.GetByLabel("Password").FillAsync(customer.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        var message = page.GetByRole(AriaRole.Article, new() { Name = "Star party on Friday" });
        await Assertions.Expect(message.GetByText("From Orion Telescopes")).ToBeVisibleAsync();
        await Assertions.Expect(message.GetByText("Bring warm clothes.")).ToBeVisibleAsync();
        await BrowserVaultApp.ScreenshotAsync(page, "20-inbox");

        // An empty answer is explained next to the field; a real one reaches the company.
        await message.GetByRole(AriaRole.Button, new() { Name = "Send answer" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert).GetByText("1 to 10000 characters")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Article, new() { Name = "Star party on Friday" }).GetByLabel("Your answer to Orion Telescopes").FillAsync("I will be there!");
        await page.GetByRole(AriaRole.Article, new() { Name = "Star party on Friday" }).GetByRole(AriaRole.Button, new() { Name = "Send answer" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).GetByText("Your answer is on its way to Orion Telescopes.")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Article, new() { Name = "Re: Star party on Friday" })).ToBeVisibleAsync();
        await BrowserVaultApp.ScreenshotAsync(page, "21-answered");

        var list = await (await vendorApi.GetAsync($"/v1/messages?customerId={customerId}")).JsonAsync();
        var reply = list["items"]!.AsArray().Single(m => (string?)m!["from"] == "customer")!;
        Assert.Equal("I will be there!", (string?)reply["body"]);

        await page.GetByRole(AriaRole.Article, new() { Name = "Star party on Friday" })
            .GetByRole(AriaRole.Button, new() { Name = "Stop messages from this company" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).GetByText("Orion Telescopes can no longer contact you.")).ToBeVisibleAsync();
        await BrowserVaultApp.ScreenshotAsync(page, "22-stopped");
        var refused = await (await vendorApi.SendMessageAsync(customerId, "portal")).AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Equal("no-contact-grant", refused.GetProperty("reason").GetString());
    }
}
