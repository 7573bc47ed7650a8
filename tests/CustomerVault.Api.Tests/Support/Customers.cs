using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Web;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;

namespace CustomerVault.Api.Tests.Support;

/// <summary>A customer who signed up through the vault's pages and signed in to the demo app with code + PKCE.</summary>
public sealed record SignedInCustomer(Guid Id, string Email, string Password, TokenResponse Tokens)
{
    public string AccessToken => Tokens.AccessToken!;
}

public static partial class Customers
{
    public const string Password = "correct horse battery staple";
    public const string AllScopes = "openid offline_access vault.profile vault.consents";

    /// <summary>
    /// The whole authorization code + PKCE flow, as a browser and an app would drive it: authorize, be sent to
    /// sign in, create the account from there, come back to authorize, receive the code, exchange it.
    /// </summary>
    public static async Task<SignedInCustomer> SignUpAsync(this VaultApp app, string? email = null, string scope = AllScopes)
    {
        email ??= $"customer-{Guid.NewGuid():N}@example.org";
        using var browser = app.CreateBrowser();
        var pkce = Pkce.Create();

        var signInPage = await browser.GetAsync(AuthorizeUrl(scope, pkce, state: "s1"));
        Assert.Equal(HttpStatusCode.Redirect, signInPage.StatusCode);
        var returnUrl = HttpUtility.ParseQueryString(signInPage.Headers.Location!.Query)["returnUrl"]!;
        Assert.StartsWith("/connect/authorize", returnUrl);

        var signUpUrl = $"/account/sign-up?returnUrl={Uri.EscapeDataString(returnUrl)}";
        var signedUp = await browser.SubmitFormAsync(signUpUrl, new()
        {
            ["Email"] = email,
            ["Password"] = Password,
            ["ConfirmPassword"] = Password,
            ["ReturnUrl"] = returnUrl,
        });
        Assert.True(signedUp.StatusCode == HttpStatusCode.Redirect, await signedUp.Content.ReadAsStringAsync());

        var tokens = await browser.FollowToCodeAndExchangeAsync(signedUp.Headers.Location!.OriginalString, pkce, "s1");
        return new SignedInCustomer(Guid.Parse(SubjectOf(tokens.AccessToken!)), email, Password, tokens);
    }

    /// <summary>Signs an existing customer in through the sign-in page and gets fresh tokens.</summary>
    public static async Task<TokenResponse> SignInAsync(this VaultApp app, string email, string password, string scope = AllScopes)
    {
        using var browser = app.CreateBrowser();
        var pkce = Pkce.Create();
        var signInPage = await browser.GetAsync(AuthorizeUrl(scope, pkce, state: "s2"));
        var returnUrl = HttpUtility.ParseQueryString(signInPage.Headers.Location!.Query)["returnUrl"]!;
        var signedIn = await browser.SubmitFormAsync($"/account/sign-in?returnUrl={Uri.EscapeDataString(returnUrl)}", new()
        {
            ["Email"] = email,
            ["Password"] = password,
            ["ReturnUrl"] = returnUrl,
        });
        Assert.True(signedIn.StatusCode == HttpStatusCode.Redirect, await signedIn.Content.ReadAsStringAsync());
        return await browser.FollowToCodeAndExchangeAsync(signedIn.Headers.Location!.OriginalString, pkce, "s2");
    }

    public static string AuthorizeUrl(string scope, Pkce pkce, string state) =>
        new RequestUrl("/connect/authorize").CreateAuthorizeUrl(
            clientId: VaultApp.CustomerAppClientId,
            responseType: OidcConstants.ResponseTypes.Code,
            scope: scope,
            redirectUri: VaultApp.CustomerAppRedirectUri,
            state: state,
            codeChallenge: pkce.Challenge,
            codeChallengeMethod: OidcConstants.CodeChallengeMethods.Sha256);

    private static async Task<TokenResponse> FollowToCodeAndExchangeAsync(this HttpClient browser, string authorizeUrl, Pkce pkce, string state)
    {
        var authorized = await browser.GetAsync(authorizeUrl);
        Assert.Equal(HttpStatusCode.Redirect, authorized.StatusCode);
        var callback = authorized.Headers.Location!;
        Assert.StartsWith(VaultApp.CustomerAppRedirectUri, callback.OriginalString);
        var query = HttpUtility.ParseQueryString(callback.Query);
        Assert.Equal(state, query["state"]);

        var tokens = await browser.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = "/connect/token",
            ClientId = VaultApp.CustomerAppClientId,
            Code = query["code"]!,
            RedirectUri = VaultApp.CustomerAppRedirectUri,
            CodeVerifier = pkce.Verifier,
        });
        Assert.False(tokens.IsError, tokens.Error + " " + tokens.ErrorDescription);
        return tokens;
    }

    /// <summary>GETs a page (<paramref name="pageUrl"/>, or the form's own URL), then POSTs its form with the antiforgery token the page carries.</summary>
    public static async Task<HttpResponseMessage> SubmitFormAsync(this HttpClient browser, string url, Dictionary<string, string> fields, string? pageUrl = null)
    {
        fields["__RequestVerificationToken"] = AntiforgeryToken(await browser.GetStringAsync(pageUrl ?? url));
        return await browser.PostAsync(url, new FormUrlEncodedContent(fields));
    }

    /// <summary>The antiforgery token a page's form carries.</summary>
    public static string AntiforgeryToken(string page)
    {
        var token = AntiforgeryField().Match(page);
        Assert.True(token.Success, "The form carries no antiforgery token.");
        return WebUtility.HtmlDecode(token.Groups[1].Value);
    }

    public static string SubjectOf(string jwt)
    {
        var payload = jwt.Split('.')[1];
        var json = Encoding.UTF8.GetString(System.Buffers.Text.Base64Url.DecodeFromChars(payload));
        return System.Text.Json.JsonDocument.Parse(json).RootElement.GetProperty("sub").GetString()!;
    }

    [GeneratedRegex("""name="__RequestVerificationToken" type="hidden" value="([^"]+)"|value="([^"]+)" name="__RequestVerificationToken""")]
    private static partial Regex AntiforgeryField();
}

public sealed record Pkce(string Verifier, string Challenge)
{
    public static Pkce Create()
    {
        var verifier = CryptoRandom.CreateUniqueId(32);
        var challenge = System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        return new Pkce(verifier, challenge);
    }
}
