using System.Globalization;
using CustomerVault.Api.Tests.Support;
using Microsoft.Playwright;

namespace CustomerVault.Api.Tests.Portal;

/// <summary>Her timeline with a company in a real browser: the chart, the figures and the days in words, then the dormant hint.</summary>
public sealed class PortalTimelineTests(BrowserVaultApp app) : IClassFixture<BrowserVaultApp>
{
    [Fact]
    public async Task She_sees_a_companys_reads_messages_and_grant_changes_as_a_chart_with_the_figures_and_is_asked_when_it_goes_quiet()
    {
        var customer = await app.SignUpAsync();
        await app.SetProfileAsync(customer, """{ "identity": { "name": { "given": "Ada", "family": "Lovelace" } } }""");
        var vendor = await app.RegisterVendorAsync("Vega Optics");
        await app.GrantAsync(vendor, customer, requested: "name", contactTerms: MessageRequests.EmailTerms);
        var customerId = await app.ConnectAsync(vendor, customer);
        using (var vendorApi = app.Api(vendor))
        {
            for (var i = 0; i < 3; i++)
            {
                (await vendorApi.ReadProfileAsync(customerId)).EnsureSuccessStatusCode();
            }

            (await vendorApi.SendMessageAsync(customerId, "portal")).EnsureSuccessStatusCode();
        }

        app.Clock.Advance(TimeSpan.FromDays(2));
        using (var vendorApi = await app.FreshApiAsync(vendor))
        {
            (await vendorApi.ReadProfileAsync(customerId)).EnsureSuccessStatusCode();
        }

        var page = await app.NewPageAsync();
        await page.GotoAsync("/portal/relationships");
        await SignInAsync(page, customer);
        await page.GetByRole(AriaRole.Article, new() { Name = "Vega Optics" })
            .GetByRole(AriaRole.Link, new() { Name = "Timeline: what Vega Optics did with your data, day by day" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Vega Optics: what it did with your data", Level = 1 })).ToBeVisibleAsync();

        // The figures.
        Assert.Equal("4", await page.Locator("#figure-reads-30").InnerTextAsync());
        Assert.Equal("1 of 3", await page.Locator("#figure-contacts").InnerTextAsync());
        Assert.Equal(app.Clock.GetUtcNow().UtcDateTime.ToString("d MMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture),
            await page.Locator("#figure-last-read").InnerTextAsync());

        // The chart: named and described for a screen reader, one bar per day with reads (3 then 1), a dot for the message, a diamond for the grant.
        var chart = page.GetByRole(AriaRole.Img, new() { Name = "Reads per day by Vega Optics, with messages and grant changes" });
        await Assertions.Expect(chart).ToBeVisibleAsync();
        Assert.Contains("4 reads on 2 days", await chart.Locator("desc").TextContentAsync());
        var bars = chart.Locator(".chart-reads rect");
        Assert.Equal(2, await bars.CountAsync());
        var heights = new List<double>();
        for (var i = 0; i < 2; i++)
        {
            heights.Add(double.Parse((await bars.Nth(i).GetAttributeAsync("height"))!, CultureInfo.InvariantCulture));
        }

        Assert.Equal(3.0, heights.Max() / heights.Min(), 2);
        var xs = new List<double>();
        for (var i = 0; i < 2; i++)
        {
            xs.Add(double.Parse((await bars.Nth(i).GetAttributeAsync("x"))!, CultureInfo.InvariantCulture));
        }

        // The taller bar is two days (two slots) to the left of the shorter, in a 90-day chart.
        Assert.True(xs[heights.IndexOf(heights.Max())] < xs[heights.IndexOf(heights.Min())]);
        Assert.Equal(1, await chart.Locator(".chart-messages circle").CountAsync());
        Assert.Equal(1, await chart.Locator(".chart-changes polygon").CountAsync());
        Assert.Contains("access granted", await chart.Locator(".chart-changes title").TextContentAsync());

        // The same in words, for anyone who cannot see the chart; and no script anywhere.
        var days = page.GetByRole(AriaRole.List).Filter(new() { Has = page.GetByRole(AriaRole.Heading, new() { Level = 3 }) });
        await Assertions.Expect(days.GetByText("3 reads for marketing: Name")).ToBeVisibleAsync();
        await Assertions.Expect(days.GetByText("1 read for marketing: Name")).ToBeVisibleAsync();
        await Assertions.Expect(days.GetByText("A message from Vega Optics by your vault's inbox")).ToBeVisibleAsync();
        await Assertions.Expect(days.GetByText("Access granted (marketing: Name)")).ToBeVisibleAsync();
        Assert.Equal(0, await page.Locator("script").CountAsync());
        await BrowserVaultApp.ScreenshotAsync(page, "40-timeline");
        await page.SetViewportSizeAsync(1280, 900);
        await BrowserVaultApp.ScreenshotAsync(page, "40-timeline-wide");
        await page.SetViewportSizeAsync(390, 844);

        // Ninety days without a read: the company is flagged, here and in her list, with the way to end it.
        app.Clock.Advance(TimeSpan.FromDays(90));
        await page.GotoAsync("/portal/relationships");
        await SignInAsync(page, customer);
        await Assertions.Expect(page.GetByRole(AriaRole.Article, new() { Name = "Vega Optics" })
            .GetByText("Has not read your data in 90 days: does it still need it?")).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "Timeline: what Vega Optics did with your data, day by day" }).ClickAsync();
        var hint = page.GetByRole(AriaRole.Note);
        await Assertions.Expect(hint.GetByText("Does Vega Optics still need your data?")).ToBeVisibleAsync();
        await Assertions.Expect(hint.GetByRole(AriaRole.Link, new() { Name = "Review or revoke its access" })).ToBeVisibleAsync();
        Assert.Equal("0", await page.Locator("#figure-reads-30").InnerTextAsync());
        await BrowserVaultApp.ScreenshotAsync(page, "41-timeline-dormant");

        // Another company's timeline, or one she has nothing to do with, is not there.
        var stranger = await app.RegisterVendorAsync("Nobody Ltd");
        var response = await page.GotoAsync($"/portal/relationships/{stranger.Id}/timeline");
        Assert.Equal(404, response!.Status);
    }

    // The session may have outlived its lifetime after the clock moved on; then the portal asks her to sign in again.
    private static async Task SignInAsync(IPage page, SignedInCustomer customer)
    {
        if (!page.Url.Contains("/account/sign-in", StringComparison.Ordinal))
        {
            return;
        }

        await page.GetByLabel("E-mail address").FillAsync(customer.Email);
        await page.GetByLabel("Password").FillAsync(customer.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }
}
