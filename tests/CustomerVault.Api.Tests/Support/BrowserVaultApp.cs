using Microsoft.Playwright;

namespace CustomerVault.Api.Tests.Support;

/// <summary>
/// The vault on real Kestrel (a browser cannot reach the in-memory test server) and a headless Chromium driven by
/// Playwright: the system's Chromium (VAULT_TEST_CHROMIUM, default /usr/bin/chromium), never a downloaded one.
/// Pages are phone-sized, so every step also proves the portal works on a small screen.
/// </summary>
public sealed class BrowserVaultApp : NetworkVaultApp
{
    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots go: the test output's screenshots folder, kept as the run's artifacts.</summary>
    public static string ScreenshotDirectory { get; } = Environment.GetEnvironmentVariable("VAULT_TEST_SCREENSHOTS")
                                                         ?? Path.Combine(AppContext.BaseDirectory, "screenshots");

    // A browser follows discovery, so the vault's issuer is the address it really listens at: a port chosen up front.
    private readonly int _port = FreePort();

    protected override int Port => _port;

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Vault:Tokens:Issuer"] = $"http://127.0.0.1:{_port}/",
    };

    private static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var chromium = Environment.GetEnvironmentVariable("VAULT_TEST_CHROMIUM") ?? "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException($"Browser tests need Chromium at {chromium} (Debian: apt-get install -y chromium), or VAULT_TEST_CHROMIUM set to it.");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        Directory.CreateDirectory(ScreenshotDirectory);
    }

    /// <summary>A fresh browser session (its own cookies), phone-sized unless given another width.</summary>
    public async Task<IPage> NewPageAsync(int width = 390, int height = 844)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = BaseUrl,
            ViewportSize = new ViewportSize { Width = width, Height = height },
            AcceptDownloads = true,
        });
        context.SetDefaultTimeout(15_000);
        var page = await context.NewPageAsync();
        var violations = PolicyViolations.GetOrCreateValue(page);
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.Ordinal))
            {
                violations.Enqueue($"{page.Url}: {message.Text}");
            }
        };
        return page;
    }

    // What the browser refused to run or apply on each page: the portal must work under its Content-Security-Policy.
    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<IPage, System.Collections.Concurrent.ConcurrentQueue<string>> PolicyViolations = new();

    /// <summary>What the Content-Security-Policy kept the page from running or applying so far.</summary>
    public static IReadOnlyCollection<string> PolicyViolationsOf(IPage page) => PolicyViolations.GetOrCreateValue(page);

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, $"{name}.png"), FullPage = true });
        // Nothing may need sideways scrolling on a phone.
        var overflow = await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth > window.innerWidth + 1");
        Assert.False(overflow, $"The page '{name}' is wider than a phone screen.");
        Assert.Empty(PolicyViolations.GetOrCreateValue(page));
    }

    public override async Task DisposeAsync()
    {
        if (_playwright is not null)
        {
            await Browser.CloseAsync();
            _playwright.Dispose();
        }

        await base.DisposeAsync();
    }
}
