using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Web;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;

namespace CustomerVault.Benchmarks;

/// <summary>A customer who signed up through the vault's pages, with an access token of the demo customer app.</summary>
public sealed record BenchCustomer(Guid Id, string Token);

public static partial class BenchCustomers
{
    private const string ClientId = "vault-customer-app";
    private const string RedirectUri = "http://127.0.0.1:5081/callback";
    private const string Scopes = "openid vault.profile vault.consents";
    private const string Password = "correct horse battery staple";

    /// <summary>
    /// Signs <paramref name="count"/> customers up as a browser and an app would (authorize, sign up, authorize
    /// again, exchange the code with PKCE), a few at a time: each sign-up hashes a password, which is slow by design.
    /// </summary>
    public static async Task<IReadOnlyList<BenchCustomer>> SignUpAsync(Uri api, int count, int parallel)
    {
        using var gate = new SemaphoreSlim(parallel);
        return await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                return await SignUpOneAsync(api, $"bench-{Guid.NewGuid():N}@example.org");
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private static async Task<BenchCustomer> SignUpOneAsync(Uri api, string email)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() }) { BaseAddress = api };
        var verifier = CryptoRandom.CreateUniqueId(32);
        var challenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var authorize = new RequestUrl("/connect/authorize").CreateAuthorizeUrl(ClientId, OidcConstants.ResponseTypes.Code, Scopes, RedirectUri,
            state: "bench", codeChallenge: challenge, codeChallengeMethod: OidcConstants.CodeChallengeMethods.Sha256);

        var toSignIn = await browser.GetAsync(authorize);
        var returnUrl = HttpUtility.ParseQueryString(Expect(toSignIn, HttpStatusCode.Redirect).Headers.Location!.Query)["returnUrl"]!;
        var signUpUrl = $"/account/sign-up?returnUrl={Uri.EscapeDataString(returnUrl)}";
        var page = await browser.GetStringAsync(signUpUrl);
        var antiforgery = AntiforgeryField().Match(page);
        var signedUp = await browser.PostAsync(signUpUrl, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = email, ["Password"] = Password, ["ConfirmPassword"] = Password, ["ReturnUrl"] = returnUrl,
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(antiforgery.Groups[1].Success ? antiforgery.Groups[1].Value : antiforgery.Groups[2].Value),
        }));

        var authorized = await browser.GetAsync(Expect(signedUp, HttpStatusCode.Redirect).Headers.Location);
        var code = HttpUtility.ParseQueryString(Expect(authorized, HttpStatusCode.Redirect).Headers.Location!.Query)["code"]!;
        var tokens = await browser.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = "/connect/token", ClientId = ClientId, Code = code, RedirectUri = RedirectUri, CodeVerifier = verifier,
        });
        if (tokens.IsError)
        {
            throw new InvalidOperationException($"{email}: {tokens.Error} {tokens.ErrorDescription}");
        }

        var payload = tokens.AccessToken!.Split('.')[1];
        using var claims = JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(payload));
        return new BenchCustomer(Guid.Parse(claims.RootElement.GetProperty("sub").GetString()!), tokens.AccessToken);
    }

    private static HttpResponseMessage Expect(HttpResponseMessage response, HttpStatusCode status) =>
        response.StatusCode == status ? response
        : throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode}, expected {(int)status}.");

    [GeneratedRegex("""name="__RequestVerificationToken" type="hidden" value="([^"]+)"|value="([^"]+)" name="__RequestVerificationToken""")]
    private static partial Regex AntiforgeryField();
}
