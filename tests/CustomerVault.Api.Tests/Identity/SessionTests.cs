using System.Net;
using CustomerVault.Api.Tests.Support;
using Duende.IdentityModel.Client;
using Npgsql;

namespace CustomerVault.Api.Tests.Identity;

public sealed class SessionTests(VaultApp app) : IClassFixture<VaultApp>
{
    private const string PostLogoutRedirectUri = "http://localhost:5080/";

    [Fact]
    public async Task End_session_with_an_id_token_hint_signs_the_customer_out_and_returns_to_the_app()
    {
        var (browser, authorizeUrl, idToken) = await SignedInBrowserAsync();

        var endSession = await browser.GetAsync(EndSessionUrl(idTokenHint: idToken));

        Assert.Equal(HttpStatusCode.Redirect, endSession.StatusCode);
        Assert.Equal(PostLogoutRedirectUri, endSession.Headers.Location!.OriginalString);
        Assert.StartsWith("/account/sign-in", (await browser.GetAsync(authorizeUrl)).Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task End_session_by_a_link_without_an_id_token_hint_asks_her_and_does_not_sign_her_out()
    {
        var (browser, authorizeUrl, _) = await SignedInBrowserAsync();

        var endSession = await browser.GetAsync(EndSessionUrl());

        Assert.Equal(HttpStatusCode.Redirect, endSession.StatusCode);
        Assert.StartsWith("/account/sign-out?", endSession.Headers.Location!.OriginalString);
        Assert.StartsWith(VaultApp.CustomerAppRedirectUri, (await browser.GetAsync(authorizeUrl)).Headers.Location!.OriginalString);
        var question = await browser.GetStringAsync(endSession.Headers.Location!.OriginalString);
        Assert.Contains("""action="/connect/endsession" """.TrimEnd(), question);
        Assert.Contains($"""value="{PostLogoutRedirectUri}" """.TrimEnd(), question);
    }

    [Fact]
    public async Task End_session_posted_from_another_site_does_not_sign_her_out_but_her_answer_on_the_vaults_page_does()
    {
        var (browser, authorizeUrl, _) = await SignedInBrowserAsync();

        var crossSite = await browser.SendAsync(EndSessionPost(("Origin", "https://evil.example"), ("Sec-Fetch-Site", "cross-site")));
        var crossSiteWithoutFetchMetadata = await browser.SendAsync(EndSessionPost(("Origin", "https://evil.example")));
        Assert.StartsWith("/account/sign-out?", crossSite.Headers.Location!.OriginalString);
        Assert.StartsWith("/account/sign-out?", crossSiteWithoutFetchMetadata.Headers.Location!.OriginalString);
        Assert.StartsWith(VaultApp.CustomerAppRedirectUri, (await browser.GetAsync(authorizeUrl)).Headers.Location!.OriginalString);

        var fromTheVaultsPage = await browser.SendAsync(EndSessionPost(("Origin", "http://localhost"), ("Sec-Fetch-Site", "same-origin")));

        Assert.Equal(PostLogoutRedirectUri, fromTheVaultsPage.Headers.Location!.OriginalString);
        Assert.StartsWith("/account/sign-in", (await browser.GetAsync(authorizeUrl)).Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task End_session_with_the_id_token_of_another_customer_does_not_sign_her_out()
    {
        var (_, _, othersIdToken) = await SignedInBrowserAsync();
        var (browser, authorizeUrl, _) = await SignedInBrowserAsync();

        var endSession = await browser.GetAsync(EndSessionUrl(idTokenHint: othersIdToken));

        Assert.StartsWith("/account/sign-out?", endSession.Headers.Location!.OriginalString);
        Assert.StartsWith(VaultApp.CustomerAppRedirectUri, (await browser.GetAsync(authorizeUrl)).Headers.Location!.OriginalString);
    }

    /// <summary>A browser signed in to the vault, the authorize URL that now goes straight to the app, and the ID token the app got.</summary>
    private async Task<(HttpClient Browser, string AuthorizeUrl, string IdToken)> SignedInBrowserAsync()
    {
        var browser = app.CreateBrowser();
        var signedUp = await browser.SubmitFormAsync("/account/sign-up", new()
        {
            ["Email"] = $"session-{Guid.NewGuid():N}@example.org", ["Password"] = Customers.Password, ["ConfirmPassword"] = Customers.Password,
        });
        Assert.Equal(HttpStatusCode.Redirect, signedUp.StatusCode);
        var pkce = Pkce.Create();
        var authorizeUrl = Customers.AuthorizeUrl("openid vault.profile", pkce, "s");
        var callback = (await browser.GetAsync(authorizeUrl)).Headers.Location!;
        Assert.StartsWith(VaultApp.CustomerAppRedirectUri, callback.OriginalString);
        var tokens = await browser.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = "/connect/token",
            ClientId = VaultApp.CustomerAppClientId,
            Code = System.Web.HttpUtility.ParseQueryString(callback.Query)["code"]!,
            RedirectUri = VaultApp.CustomerAppRedirectUri,
            CodeVerifier = pkce.Verifier,
        });
        Assert.False(tokens.IsError, tokens.Error);
        return (browser, authorizeUrl, tokens.IdentityToken!);
    }

    private static string EndSessionUrl(string? idTokenHint = null) =>
        $"/connect/endsession?client_id={VaultApp.CustomerAppClientId}&post_logout_redirect_uri={Uri.EscapeDataString(PostLogoutRedirectUri)}"
        + (idTokenHint is null ? "" : $"&id_token_hint={idTokenHint}");

    private static HttpRequestMessage EndSessionPost(params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/connect/endsession")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["client_id"] = VaultApp.CustomerAppClientId, ["post_logout_redirect_uri"] = PostLogoutRedirectUri,
            }),
        };
        foreach (var (name, value) in headers)
        {
            request.Headers.Add(name, value);
        }

        return request;
    }

    [Fact]
    public async Task Data_protection_keys_are_shared_through_the_database_and_encrypted_there()
    {
        await app.SignUpAsync();

        await using var db = await app.OpenDatabaseAsync();
        await using var select = new NpgsqlCommand("""SELECT "Xml" FROM identity."DataProtectionKeys" """, db);
        var xml = (string?)await select.ExecuteScalarAsync();

        Assert.NotNull(xml);
        Assert.Contains("encryptedSecret", xml);
        Assert.DoesNotContain("<value>", xml);
    }
}
