using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;

namespace CustomerVault.Benchmarks;

// The drill's customers, signed up through the vault's pages as a person and an app would.
public static partial class FailoverLoad
{
    /// <summary>Signs a customer up through the vault's pages and gets her a token with code + PKCE, as an app would.</summary>
    private static async Task<Customer> SignUpAsync(Node node, int number, string vendorToken)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        {
            BaseAddress = new Uri(node.Url),
        };
        var page = await browser.GetStringAsync("/account/sign-up");
        var antiforgery = WebUtility.HtmlDecode(AntiforgeryField().Match(page).Groups[1].Value);
        var signedUp = await browser.PostAsync("/account/sign-up", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = $"drill-{number}-{Guid.NewGuid():N}@example.org", ["Password"] = Password, ["ConfirmPassword"] = Password,
            ["__RequestVerificationToken"] = antiforgery,
        }));
        if (signedUp.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Sign-up failed: {(int)signedUp.StatusCode}");
        }

        var verifier = CryptoRandom.CreateUniqueId(32);
        var challenge = System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var authorize = new RequestUrl("/connect/authorize").CreateAuthorizeUrl(CustomerApp, OidcConstants.ResponseTypes.Code,
            "openid vault.profile vault.consents", CustomerAppRedirect, state: "drill", codeChallenge: challenge,
            codeChallengeMethod: OidcConstants.CodeChallengeMethods.Sha256);
        var authorized = await browser.GetAsync(authorize);
        var code = System.Web.HttpUtility.ParseQueryString(authorized.Headers.Location?.Query ?? "")["code"]
                   ?? throw new InvalidOperationException($"No authorization code: {(int)authorized.StatusCode} {authorized.Headers.Location}");
        var tokens = await browser.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = "/connect/token", ClientId = CustomerApp, Code = code, RedirectUri = CustomerAppRedirect, CodeVerifier = verifier,
        });
        if (tokens.IsError)
        {
            throw new InvalidOperationException($"Code exchange failed: {tokens.Error}");
        }

        browser.SetBearerToken(tokens.AccessToken!);
        var patched = await browser.PatchAsync("/v1/me/profile", new StringContent(
            $$"""{ "identity": { "name": { "given": "Drill", "family": "Number{{number}}" } }, "contact": { "email": "drill{{number}}@example.org" } }""",
            Encoding.UTF8, "application/merge-patch+json"));
        patched.EnsureSuccessStatusCode();

        // She connects the drill's vendor with a code; it knows her only by its own id for her.
        var connectionCode = (await (await browser.PostAsJsonAsync("/v1/me/connection-codes", new { })).EnsureSuccessStatusCode()
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();
        using var redeem = new HttpRequestMessage(HttpMethod.Post, "/v1/connections")
        {
            Headers = { { "Authorization", $"Bearer {vendorToken}" } }, Content = JsonContent.Create(new { code = connectionCode }),
        };
        using var vendor = new HttpClient { BaseAddress = new Uri(node.Url) };
        var connection = await (await vendor.SendAsync(redeem)).EnsureSuccessStatusCode().Content.ReadFromJsonAsync<JsonElement>();
        return new Customer(connection.GetProperty("customerId").GetGuid(), tokens.AccessToken!);
    }

    [GeneratedRegex("""name="__RequestVerificationToken" type="hidden" value="([^"]+)"|value="([^"]+)" name="__RequestVerificationToken""")]
    private static partial Regex AntiforgeryField();
}
