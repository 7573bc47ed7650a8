using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CustomerVault.Api.Tests.Support;
using Microsoft.AspNetCore.Hosting;

namespace CustomerVault.Api.Tests.Identity;

/// <summary>What every response tells the browser: no inline script or style, no framing, no sniffing, no Referer.</summary>
public sealed partial class SecurityHeadersTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Theory]
    [InlineData("/account/sign-in")]
    [InlineData("/account/sign-up")]
    [InlineData("/")]
    public async Task Pages_forbid_inline_script_and_style_and_framing(string path)
    {
        using var browser = app.CreateBrowser();

        var response = await browser.GetAsync(path);

        var policy = Directives(response);
        Assert.Equal(["'self'"], policy["style-src"]);
        Assert.Contains("'self'", policy["script-src"]);
        Assert.DoesNotContain(policy["script-src"], source => source is "'unsafe-inline'" or "'unsafe-eval'" or "*");
        Assert.Equal(["'none'"], policy["frame-ancestors"]);
        Assert.Equal(["'none'"], policy["object-src"]);
        Assert.Equal(["'none'"], policy["base-uri"]);
        AssertCommonHeaders(response);
    }

    [Fact]
    public async Task The_portal_sends_no_inline_script_or_style_that_its_policy_would_block()
    {
        var customer = await app.SignUpAsync();
        using var browser = app.CreateBrowser();
        await browser.SubmitFormAsync("/account/sign-in", new() { ["Email"] = customer.Email, ["Password"] = customer.Password });

        foreach (var path in new[] { "/account/sign-in", "/account/sign-up", "/account/sign-out", "/portal/requests", "/portal/relationships", "/portal/access-log", "/portal/profile", "/portal/my-data" })
        {
            var response = await browser.GetAsync(path);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {response.StatusCode} {response.Headers.Location}");
            var page = await response.Content.ReadAsStringAsync();
            Assert.DoesNotMatch(InlineScript(), page);
            Assert.DoesNotMatch(InlineStyle(), page);
        }

        var stylesheet = await browser.GetAsync("/css/vault.css");
        Assert.Equal(HttpStatusCode.OK, stylesheet.StatusCode);
        Assert.Equal("text/css", stylesheet.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task The_authorization_servers_form_post_script_is_the_one_inline_script_the_policy_allows()
    {
        var customer = await app.SignUpAsync();
        using var browser = app.CreateBrowser();
        await browser.SubmitFormAsync("/account/sign-in", new() { ["Email"] = customer.Email, ["Password"] = customer.Password });

        var response = await browser.GetAsync(Customers.AuthorizeUrl("openid", Pkce.Create(), "s") + "&response_mode=form_post");

        var page = await response.Content.ReadAsStringAsync();
        var script = Regex.Match(page, "<script>(.*?)</script>", RegexOptions.Singleline);
        Assert.True(script.Success, page);
        var hash = $"'sha256-{Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(script.Groups[1].Value)))}'";
        Assert.Contains(hash, Directives(response)["script-src"]);
    }

    [Theory]
    [InlineData("/v1/catalog")]
    [InlineData("/v1/me/profile")]
    [InlineData("/.well-known/jwks")]
    [InlineData("/no/such/thing")]
    public async Task Api_responses_and_errors_carry_the_headers_and_a_policy_that_allows_nothing(string path)
    {
        using var client = app.CreateApiClient();

        var response = await client.GetAsync(path);

        Assert.Equal(["'none'"], Directives(response)["default-src"]);
        Assert.Equal(["'none'"], Directives(response)["frame-ancestors"]);
        AssertCommonHeaders(response);
    }

    [Fact]
    public async Task Development_sends_no_HSTS()
    {
        using var client = app.CreateApiClient();
        client.BaseAddress = new Uri("https://vault.example/");

        var response = await client.GetAsync("/account/sign-in");

        Assert.False(response.Headers.Contains("Strict-Transport-Security"));
    }

    private static void AssertCommonHeaders(HttpResponseMessage response)
    {
        Assert.Equal("DENY", Single(response, "X-Frame-Options"));
        Assert.Equal("nosniff", Single(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Single(response, "Referrer-Policy"));
    }

    internal static string Single(HttpResponseMessage response, string header) => Assert.Single(response.Headers.GetValues(header));

    private static Dictionary<string, string[]> Directives(HttpResponseMessage response) =>
        Single(response, "Content-Security-Policy").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(d => d.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(d => d[0], d => d[1..]);

    [GeneratedRegex("<script(?![^>]*\\bsrc=)[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex InlineScript();

    [GeneratedRegex("<style|\\sstyle=|\\son[a-z]+=", RegexOptions.IgnoreCase)]
    private static partial Regex InlineStyle();
}

/// <summary>Outside Development, HTTPS responses tell browsers to stay on HTTPS for a year.</summary>
public sealed class ProductionSecurityHeadersTests(ProductionSecurityHeadersTests.Vault app) : IClassFixture<ProductionSecurityHeadersTests.Vault>
{
    /// <summary>The vault as production runs it: its own keys and issuer, no generated secrets, no demo clients.</summary>
    public sealed class Vault : VaultApp
    {
        private readonly string _keys = Path.Combine(TestDatabase.RunDirectory, $"production-keys-{Guid.NewGuid():N}");

        protected override IDictionary<string, string?> Settings
        {
            get => field ??= new Dictionary<string, string?>
            {
                ["Vault:Tokens:Issuer"] = "https://vault.example/",
                ["Vault:Encryption:MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                ["Vault:Certificates:Signing:Path"] = TestCertificates.Write(_keys, "signing").Pfx,
                ["Vault:Certificates:Documents:Path"] = TestCertificates.Write(_keys, "documents").Pfx,
                ["Vault:Certificates:Encryption:Path"] = TestCertificates.Write(_keys, "encryption").Pfx,
            };
        }

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseEnvironment("Production");
        }
    }

    [Fact]
    public async Task Https_pages_and_api_responses_carry_HSTS()
    {
        using var client = app.CreateApiClient();
        client.BaseAddress = new Uri("https://vault.example/");

        foreach (var path in new[] { "/account/sign-in", "/v1/catalog" })
        {
            var response = await client.GetAsync(path);
            Assert.Equal("max-age=31536000", SecurityHeadersTests.Single(response, "Strict-Transport-Security"));
        }
    }
}
