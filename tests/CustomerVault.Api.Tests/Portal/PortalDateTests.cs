using System.Globalization;
using CustomerVault.Api.Tests.Support;
using Microsoft.Playwright;

namespace CustomerVault.Api.Tests.Portal;

/// <summary>Dates are typed as the page writes them, yyyy-mm-dd; anything else is refused next to the field, never read as "no date".</summary>
public sealed class PortalDateTests(BrowserVaultApp app) : IClassFixture<BrowserVaultApp>
{
    [Fact]
    public async Task A_date_in_another_format_is_refused_next_to_its_field_and_grants_nothing_until_she_corrects_it()
    {
        var customer = await app.SignUpAsync();
        await app.RegisterVendorAsync("Lyra Instruments");
        var page = await app.NewPageAsync();
        await page.GotoAsync("/portal/relationships");
        await page.GetByLabel("E-mail address").FillAsync(customer.Email);
        await page.GetByLabel("Password").FillAsync(customer.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        var form = page.GetByRole(AriaRole.Region, new() { Name = "Grant access on your own initiative" });
        await form.GetByText("Choose a company and what it may see").ClickAsync();
        await form.GetByLabel("Company").SelectOptionAsync(new SelectOptionValue { Label = "Lyra Instruments" });
        await form.GetByLabel("Name", new() { Exact = true }).CheckAsync();

        // The label says the format, and the field shows its value in it.
        var until = form.GetByLabel("Until (yyyy-mm-dd)");
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", await until.InputValueAsync());

        // The browser already refuses another format; a client that does not check meets the server's refusal.
        var typed = app.Clock.GetUtcNow().AddMonths(2).ToString("dd/MM/yyyy", CultureInfo.InvariantCulture);
        await until.FillAsync(typed);
        Assert.True(await until.EvaluateAsync<bool>("e => e.validity.patternMismatch"));
        await form.Locator("form").EvaluateAsync("f => f.noValidate = true");
        await form.GetByRole(AriaRole.Button, new() { Name = "Grant access" }).ClickAsync();
        await Assertions.Expect(until).ToHaveAttributeAsync("aria-invalid", "true");
        Assert.EndsWith("grant-expires-error", await until.GetAttributeAsync("aria-describedby"));
        Assert.Contains("yyyy-mm-dd", await page.Locator("#grant-expires-error").InnerTextAsync());
        Assert.Equal(typed, await until.InputValueAsync());
        await BrowserVaultApp.ScreenshotAsync(page, "50-grant-date-error");
        using (var api = app.Api(customer))
        {
            Assert.Empty((await (await api.GetAsync("/v1/me/grants")).JsonAsync())["items"]!.AsArray());
        }

        // Corrected, it is granted until and including that day.
        var day = DateOnly.FromDateTime(app.Clock.GetUtcNow().AddMonths(2).UtcDateTime);
        await until.FillAsync(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await form.GetByRole(AriaRole.Button, new() { Name = "Grant access" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).GetByText("You granted access to Name")).ToBeVisibleAsync();
        // The page names the last day it covers, the one she typed, not the midnight after it.
        await Assertions.Expect(page.GetByText($"until {day.ToString("d MMMM yyyy", CultureInfo.InvariantCulture)}")).ToBeVisibleAsync();
        using (var api = app.Api(customer))
        {
            var grant = Assert.Single((await (await api.GetAsync("/v1/me/grants")).JsonAsync())["items"]!.AsArray())!;
            Assert.Equal(new DateTimeOffset(day.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
                DateTimeOffset.Parse((string)grant["expiresAt"]!, CultureInfo.InvariantCulture));
        }
    }
}
