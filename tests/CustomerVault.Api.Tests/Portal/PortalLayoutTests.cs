using System.Text;
using CustomerVault.Api.Tests.Support;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace CustomerVault.Api.Tests.Portal;

/// <summary>
/// Every page the vault serves, found in its route table (so a page added later is covered without touching this
/// test), shot at a desktop and a phone width into the test output's screenshots/pages folder; none may scroll
/// sideways or break the Content-Security-Policy.
/// </summary>
public sealed class PortalLayoutTests(BrowserVaultApp app, ITestOutputHelper output) : IClassFixture<BrowserVaultApp>
{
    private static readonly int[] Widths = [1280, 390];

    [Fact]
    public async Task Every_page_fits_a_desktop_and_a_phone_screen_without_scrolling_sideways()
    {
        // Data for the pages that show something: a grant with contact terms, a pending request, a message, a read.
        var customer = await app.SignUpAsync();
        var vendor = await app.RegisterVendorAsync("Stargazer Optics", redirectUri: VendorWebFlow.RedirectUri);
        var grantId = await app.GrantAsync(vendor, customer, contactTerms: MessageRequests.EmailTerms);
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        var requestId = await (await vendorApi.RequestAccessAsync(customerId, "name email phone", "analytics")).IdAsync();
        (await vendorApi.SendMessageAsync(customerId, "portal", "Star party on Friday", "Join us at the observatory.\nBring warm clothes.")).EnsureSuccessStatusCode();
        (await vendorApi.GetAsync($"/v1/customers/{customerId}/profile?purpose=marketing")).EnsureSuccessStatusCode();
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["grantId"] = grantId.ToString(), ["requestId"] = requestId.ToString(), ["vendorId"] = vendor.Id.ToString(),
        };
        // Pages reached through a flow rather than by their address.
        var flows = new Dictionary<string, Func<IPage, Task>>(StringComparer.OrdinalIgnoreCase)
        {
            ["/connect/consent"] = async page => await page.GotoAsync(VendorWebFlow.AuthorizeUrl(vendor, await app.PushAsync(vendor))),
        };

        var pages = Pages().ToList();
        Assert.Contains(pages, p => p.Pattern.RawText == "/portal/relationships");
        Assert.Contains(pages, p => p.Pattern.RawText == "/connect/consent");
        var folder = Path.Combine(BrowserVaultApp.ScreenshotDirectory, "pages");
        Directory.CreateDirectory(folder);
        output.WriteLine($"Screenshots: {folder}");

        var failures = new StringBuilder();
        foreach (var width in Widths)
        {
            var signedIn = await SignedInPageAsync(customer, width);
            var anonymous = await app.NewPageAsync(width);
            foreach (var (pattern, isPublic) in pages)
            {
                var shots = flows.TryGetValue(pattern.RawText!, out var flow)
                    ? new List<(string, Func<IPage, Task>)> { (Name(pattern.RawText!), flow) }
                    : Urls(pattern, values).Select(url => (Name(url), (Func<IPage, Task>)(page => page.GotoAsync(url)))).ToList();
                foreach (var (name, open) in shots)
                {
                    await ShootAsync(signedIn, open, $"{name}-{width}", folder, failures);
                    if (isPublic)
                    {
                        await ShootAsync(anonymous, open, $"{name}-signed-out-{width}", folder, failures);
                    }
                }
            }

            await signedIn.Context.CloseAsync();
            await anonymous.Context.CloseAsync();
        }

        Assert.True(failures.Length == 0, failures.ToString());
    }

    private async Task ShootAsync(IPage page, Func<IPage, Task> open, string name, string folder, StringBuilder failures)
    {
        // Downloads (a consent receipt) are pages in the route table but not documents to look at.
        try
        {
            await open(page);
        }
        catch (PlaywrightException e) when (e.Message.Contains("Download is starting", StringComparison.Ordinal))
        {
            output.WriteLine($"{name}: a download, not shot");
            return;
        }

        var path = Path.Combine(folder, $"{name}.png");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        output.WriteLine($"{name}: {page.Url} -> {path}");
        var widths = await page.EvaluateAsync<int[]>("() => [document.documentElement.scrollWidth, window.innerWidth]");
        if (widths[0] > widths[1])
        {
            failures.AppendLine($"{page.Url} at {widths[1]} px is {widths[0]} px wide: it scrolls sideways ({path}).");
        }

        foreach (var violation in BrowserVaultApp.PolicyViolationsOf(page))
        {
            failures.AppendLine(violation);
        }
    }

    /// <summary>The Razor pages in the vault's route table, and whether each is open without signing in.</summary>
    private IEnumerable<(RoutePattern Pattern, bool IsPublic)> Pages() =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.Metadata.GetMetadata<PageActionDescriptor>() is not null)
            .Select(e => (Pattern: RoutePatternFactory.Parse("/" + e.RoutePattern.RawText!.TrimStart('/')),
                IsPublic: e.Metadata.GetMetadata<IAllowAnonymous>() is not null || e.Metadata.GetMetadata<IAuthorizeData>() is null))
            .DistinctBy(p => p.Pattern.RawText)
            .OrderBy(p => p.Pattern.RawText, StringComparer.Ordinal);

    /// <summary>The page's addresses with the seeded ids filled in: with and without each optional parameter.</summary>
    private static IEnumerable<string> Urls(RoutePattern pattern, IReadOnlyDictionary<string, string> values)
    {
        var optional = pattern.Parameters.Any(p => p.IsOptional);
        foreach (var withOptional in optional ? new[] { false, true } : [true])
        {
            var path = new StringBuilder();
            foreach (var segment in pattern.PathSegments)
            {
                var text = new StringBuilder();
                foreach (var part in segment.Parts)
                {
                    switch (part)
                    {
                        case RoutePatternLiteralPart literal: text.Append(literal.Content); break;
                        case RoutePatternSeparatorPart separator: text.Append(separator.Content); break;
                        case RoutePatternParameterPart { IsOptional: true } when !withOptional: break;
                        case RoutePatternParameterPart parameter:
                            Assert.True(values.TryGetValue(parameter.Name, out var value),
                                $"The page {pattern.RawText} needs a value for {{{parameter.Name}}}: seed one in {nameof(PortalLayoutTests)}.");
                            text.Append(value);
                            break;
                    }
                }

                if (text.Length > 0)
                {
                    path.Append('/').Append(text);
                }
            }

            yield return path.Length == 0 ? "/" : path.ToString();
        }
    }

    private static string Name(string url)
    {
        var name = System.Text.RegularExpressions.Regex.Replace(url, "[0-9a-f]{8}-[0-9a-f-]{27}", "id").Trim('/').Replace('/', '-');
        return name.Length == 0 ? "home" : name;
    }

    private async Task<IPage> SignedInPageAsync(SignedInCustomer customer, int width)
    {
        var page = await app.NewPageAsync(width);
        await page.GotoAsync("/account/sign-in");
        await page.GetByLabel("E-mail address").FillAsync(customer.Email);
        await page.GetByLabel("Password").FillAsync(customer.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Requests for your data" })).ToBeVisibleAsync();
        return page;
    }
}
