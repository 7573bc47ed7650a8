using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Web;

namespace CustomerVault.Api.Tests.Support;

/// <summary>A vendor's pushed authorization request, as its web site makes it: what it asked, and what it must keep to finish.</summary>
public sealed record PushedRequest(string RequestUri, Pkce Pkce, string State);

/// <summary>A vendor's web flow driven step by step, as its site and the customer's browser would: push, authorize, consent, exchange.</summary>
public static partial class VendorWebFlow
{
    public const string RedirectUri = "http://127.0.0.1:5099/callback";

    public static object Details(string scopes = "name email phone", string purpose = "marketing", string duration = "P6M", Guid? grantId = null) =>
        new[]
        {
            new
            {
                type = "customervault_access", scopes = scopes.Split(' '), purpose, description = "Our monthly newsletter about telescopes.", duration,
                contactTerms = new { channels = new[] { "email" }, maxContactsPerWeek = 1 }, grantId,
            },
        };

    /// <summary>POSTs a pushed authorization request (RFC 9126) with the vendor's client secret (none when <paramref name="authenticate"/> is false).</summary>
    public static async Task<HttpResponseMessage> PushRawAsync(this VaultApp app, RegisteredVendor vendor, object? details, Pkce pkce, string state, bool authenticate = true)
    {
        var fields = new Dictionary<string, string>
        {
            ["client_id"] = vendor.ClientId, ["response_type"] = "code", ["redirect_uri"] = RedirectUri, ["scope"] = "openid", ["state"] = state,
            ["code_challenge"] = pkce.Challenge, ["code_challenge_method"] = "S256",
        };
        if (authenticate)
        {
            fields["client_secret"] = vendor.Secret;
        }

        if (details is not null)
        {
            fields["authorization_details"] = details as string ?? JsonSerializer.Serialize(details);
        }

        using var client = app.CreateApiClient();
        return await client.PostAsync("/connect/par", new FormUrlEncodedContent(fields));
    }

    public static async Task<PushedRequest> PushAsync(this VaultApp app, RegisteredVendor vendor, object? details = null)
    {
        var pkce = Pkce.Create();
        var state = Guid.NewGuid().ToString("N");
        var response = await app.PushRawAsync(vendor, details ?? Details(), pkce, state);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode}: {body}");
        return new PushedRequest(JsonNode.Parse(body)!["request_uri"]!.GetValue<string>(), pkce, state);
    }

    public static string AuthorizeUrl(RegisteredVendor vendor, PushedRequest pushed) =>
        $"/connect/authorize?client_id={Uri.EscapeDataString(vendor.ClientId)}&request_uri={Uri.EscapeDataString(pushed.RequestUri)}";

    /// <summary>Follows the customer's browser from the vendor's authorize link to the consent page, signing her up on the way when she has no session.</summary>
    public static async Task<string> ReachConsentAsync(this HttpClient browser, RegisteredVendor vendor, PushedRequest pushed, string? signUpAs = null)
    {
        var response = await browser.GetAsync(AuthorizeUrl(vendor, pushed));
        if (response.Headers.Location?.OriginalString.Contains("/account/sign-in?", StringComparison.Ordinal) == true)
        {
            var returnUrl = HttpUtility.ParseQueryString(response.Headers.Location.Query)["returnUrl"]!;
            var signedUp = await browser.SubmitFormAsync($"/account/sign-up?returnUrl={Uri.EscapeDataString(returnUrl)}", new()
            {
                ["Email"] = signUpAs ?? $"flow-{Guid.NewGuid():N}@example.org", ["Password"] = Customers.Password, ["ConfirmPassword"] = Customers.Password,
                ["ReturnUrl"] = returnUrl,
            });
            Assert.True(signedUp.StatusCode == HttpStatusCode.Redirect, await signedUp.Content.ReadAsStringAsync());
            response = await browser.GetAsync(signedUp.Headers.Location!.OriginalString);
        }

        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        var consent = response.Headers.Location!.OriginalString;
        Assert.True(consent.StartsWith("/connect/consent?", StringComparison.Ordinal), $"Sent to {consent} rather than the consent page.");
        return consent;
    }

    /// <summary>Posts her answer on the consent page: allow (keeping <paramref name="scopes"/>) or deny.</summary>
    public static async Task<HttpResponseMessage> AnswerAsync(
        this HttpClient browser, string consentUrl, bool allow, string? scopes = null, DateOnly? until = null, string? reason = null)
    {
        var page = await browser.GetAsync(consentUrl);
        var html = await page.Content.ReadAsStringAsync();
        Assert.True(page.StatusCode == HttpStatusCode.OK, $"{(int)page.StatusCode}: {html}");
        var query = HttpUtility.ParseQueryString(new Uri("http://vault" + consentUrl).Query);
        var fields = new List<KeyValuePair<string, string>>
        {
            new("client_id", query["client_id"]!), new("request_uri", query["request_uri"]!),
            new("__RequestVerificationToken", WebUtility.HtmlDecode(Antiforgery().Match(html).Groups[1].Value)),
        };
        if (allow)
        {
            fields.AddRange((scopes ?? "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(s => new KeyValuePair<string, string>("Scopes", s)));
            if (until is { } day)
            {
                fields.Add(new("ExpiresOn", day.ToString("yyyy-MM-dd")));
            }
        }
        else if (reason is not null)
        {
            fields.Add(new("Reason", reason));
        }

        return await browser.PostAsync($"/connect/consent?handler={(allow ? "Approve" : "Deny")}", new FormUrlEncodedContent(fields));
    }

    /// <summary>The query of the redirect back to the vendor's site.</summary>
    public static System.Collections.Specialized.NameValueCollection Callback(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{(int)response.StatusCode}");
        Assert.StartsWith(RedirectUri, response.Headers.Location!.OriginalString);
        return HttpUtility.ParseQueryString(response.Headers.Location.Query);
    }

    /// <summary>The vendor's site exchanges the code (with its secret and the PKCE verifier): the token response as JSON.</summary>
    public static async Task<JsonObject> ExchangeAsync(this VaultApp app, RegisteredVendor vendor, PushedRequest pushed, string code)
    {
        using var client = app.CreateApiClient();
        var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = RedirectUri, ["code_verifier"] = pushed.Pkce.Verifier,
            ["client_id"] = vendor.ClientId, ["client_secret"] = vendor.Secret,
        }));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    public static async Task<JsonObject> ErrorAsync(this HttpResponseMessage response, HttpStatusCode status)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.True(body.StartsWith('{'), body);
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>
    /// The OAuth error the vault answered an authorization request with: sent back to the vendor's redirect URI when it
    /// can be trusted, else shown to the browser (OpenIddict's plain-text page: "error:...").
    /// </summary>
    public static async Task<string?> AuthorizationErrorAsync(this HttpResponseMessage response)
    {
        if (response.StatusCode == HttpStatusCode.Redirect)
        {
            return HttpUtility.ParseQueryString(response.Headers.Location!.Query)["error"];
        }

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        return ErrorLine().Match(body) is { Success: true } line ? line.Groups[1].Value : (string?)JsonNode.Parse(body)!["error"];
    }

    [GeneratedRegex(@"^error:(\S+)", RegexOptions.Multiline)]
    private static partial Regex ErrorLine();

    [GeneratedRegex("""name="__RequestVerificationToken" type="hidden" value="([^"]+)"|value="([^"]+)" name="__RequestVerificationToken""")]
    private static partial Regex Antiforgery();
}
