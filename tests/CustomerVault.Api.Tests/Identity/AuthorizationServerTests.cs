using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using CustomerVault.Api.Tests.Support;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;

namespace CustomerVault.Api.Tests.Identity;

public sealed class AuthorizationServerTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task Discovery_advertises_every_endpoint_and_only_S256_for_PKCE()
    {
        using var client = app.CreateApiClient();
        var discovery = await client.GetDiscoveryDocumentAsync(new DiscoveryDocumentRequest
        {
            Address = "http://localhost",
            Policy = { RequireHttps = false },
        });

        Assert.False(discovery.IsError, discovery.Error);
        Assert.EndsWith("/connect/authorize", discovery.AuthorizeEndpoint);
        Assert.EndsWith("/connect/token", discovery.TokenEndpoint);
        Assert.EndsWith("/connect/userinfo", discovery.UserInfoEndpoint);
        Assert.EndsWith("/connect/introspect", discovery.IntrospectionEndpoint);
        Assert.EndsWith("/connect/revoke", discovery.RevocationEndpoint);
        Assert.EndsWith("/connect/endsession", discovery.EndSessionEndpoint);
        Assert.NotEmpty(discovery.KeySet!.Keys);
        Assert.Equal(["S256"], discovery.CodeChallengeMethodsSupported);
        Assert.Contains("vault.profile", discovery.ScopesSupported);
        Assert.Contains("vault.access", discovery.ScopesSupported);
    }

    [Fact]
    public async Task A_customer_signs_up_and_signs_in_with_code_and_PKCE_then_refreshes_with_a_rotated_token()
    {
        var customer = await app.SignUpAsync();

        Assert.NotNull(customer.Tokens.IdentityToken);
        Assert.NotNull(customer.Tokens.RefreshToken);
        Assert.Equal(customer.Id.ToString(), Customers.SubjectOf(customer.Tokens.IdentityToken!));

        using var client = app.CreateApiClient();
        var refreshed = await client.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = "/connect/token",
            ClientId = VaultApp.CustomerAppClientId,
            RefreshToken = customer.Tokens.RefreshToken!,
        });
        Assert.False(refreshed.IsError, refreshed.ErrorDescription);
        Assert.NotEqual(customer.Tokens.RefreshToken, refreshed.RefreshToken);

        using var api = app.CreateApiClient(refreshed.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/v1/me/profile")).StatusCode);
    }

    [Fact]
    public async Task The_customer_signs_in_again_with_her_password_and_the_same_vault_id()
    {
        var customer = await app.SignUpAsync();

        var tokens = await app.SignInAsync(customer.Email, customer.Password);

        Assert.Equal(customer.Id.ToString(), Customers.SubjectOf(tokens.AccessToken!));
    }

    [Fact]
    public async Task Authorization_without_PKCE_or_with_plain_PKCE_is_refused()
    {
        using var browser = app.CreateBrowser();
        var withoutPkce = new RequestUrl("/connect/authorize").CreateAuthorizeUrl(
            VaultApp.CustomerAppClientId, "code", "openid vault.profile", VaultApp.CustomerAppRedirectUri, state: "x");
        var plain = new RequestUrl("/connect/authorize").CreateAuthorizeUrl(
            VaultApp.CustomerAppClientId, "code", "openid vault.profile", VaultApp.CustomerAppRedirectUri, state: "x",
            codeChallenge: new string('a', 43), codeChallengeMethod: "plain");

        foreach (var url in new[] { withoutPkce, plain })
        {
            var response = await browser.GetAsync(url);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, body);
            Assert.Contains("invalid_request", body);
            Assert.Contains("code_challenge", body);
        }
    }

    [Fact]
    public async Task A_failed_code_exchange_with_the_wrong_verifier_gives_no_tokens()
    {
        using var browser = app.CreateBrowser();
        var pkce = Pkce.Create();
        var customer = await app.SignUpAsync();
        var signInPage = await browser.GetAsync(Customers.AuthorizeUrl(Customers.AllScopes, pkce, "s"));
        var returnUrl = System.Web.HttpUtility.ParseQueryString(signInPage.Headers.Location!.Query)["returnUrl"]!;
        var signedIn = await browser.SubmitFormAsync($"/account/sign-in?returnUrl={Uri.EscapeDataString(returnUrl)}",
            new() { ["Email"] = customer.Email, ["Password"] = customer.Password, ["ReturnUrl"] = returnUrl });
        var authorized = await browser.GetAsync(signedIn.Headers.Location!.OriginalString);
        var code = System.Web.HttpUtility.ParseQueryString(authorized.Headers.Location!.Query)["code"]!;

        var tokens = await browser.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = "/connect/token",
            ClientId = VaultApp.CustomerAppClientId,
            Code = code,
            RedirectUri = VaultApp.CustomerAppRedirectUri,
            CodeVerifier = Pkce.Create().Verifier,
        });

        Assert.True(tokens.IsError);
        Assert.Equal("invalid_grant", tokens.Error);
    }

    [Fact]
    public async Task Sign_up_refuses_a_short_password_and_a_taken_email_without_creating_anything()
    {
        var customer = await app.SignUpAsync();
        using var browser = app.CreateBrowser();

        var shortPassword = await browser.SubmitFormAsync("/account/sign-up",
            new() { ["Email"] = "short@example.org", ["Password"] = "abc", ["ConfirmPassword"] = "abc" });
        var taken = await browser.SubmitFormAsync("/account/sign-up",
            new() { ["Email"] = customer.Email, ["Password"] = Customers.Password, ["ConfirmPassword"] = Customers.Password });

        Assert.Equal(HttpStatusCode.OK, shortPassword.StatusCode);
        Assert.Contains("at least 12 characters", await shortPassword.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        // Refused without saying why: the form must not tell who has an account (SignInProtectionTests).
        Assert.Contains("No account was created", await taken.Content.ReadAsStringAsync());

        await using var db = await app.OpenDatabaseAsync();
        await using var count = new Npgsql.NpgsqlCommand("""SELECT count(*) FROM identity."AspNetUsers" WHERE "Email" IN ('short@example.org', $1)""", db)
        {
            Parameters = { new() { Value = customer.Email } },
        };
        Assert.Equal(1L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_form_posted_without_its_antiforgery_token_is_rejected()
    {
        using var browser = app.CreateBrowser();

        var response = await browser.PostAsync("/account/sign-up", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = "csrf@example.org", ["Password"] = Customers.Password, ["ConfirmPassword"] = Customers.Password,
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("demo-vendor", "demo-vendor-secret", "vault.access")]
    [InlineData("demo-auditor", "demo-auditor-secret", "vault.audit")]
    [InlineData("demo-operator", "demo-operator-secret", "vault.admin")]
    public async Task Vendors_auditors_and_operators_get_tokens_with_client_credentials_for_their_own_scope_only(string clientId, string secret, string scope)
    {
        var token = await app.ClientCredentialsAsync(clientId, secret);
        Assert.False(token.IsError, token.ErrorDescription);
        Assert.Equal(scope, Claims(token.AccessToken!).GetProperty("scope").GetString());

        var overreach = await app.ClientCredentialsAsync(clientId, secret, "vault.profile");
        Assert.True(overreach.IsError);
    }

    [Fact]
    public async Task A_wrong_client_secret_gets_no_token()
    {
        var token = await app.ClientCredentialsAsync("demo-vendor", "not-the-secret");

        Assert.True(token.IsError);
        Assert.Equal(HttpStatusCode.Unauthorized, token.HttpStatusCode);
        Assert.Equal("invalid_client", token.Json?.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Introspection_reports_an_active_token_to_its_client_and_revocation_ends_a_refresh_token()
    {
        var vendor = await app.ClientCredentialsAsync("demo-vendor", "demo-vendor-secret");
        using var client = app.CreateApiClient();

        var introspection = await client.IntrospectTokenAsync(new TokenIntrospectionRequest
        {
            Address = "/connect/introspect",
            ClientId = "demo-vendor",
            ClientSecret = "demo-vendor-secret",
            Token = vendor.AccessToken!,
        });
        Assert.False(introspection.IsError, introspection.Error);
        Assert.True(introspection.IsActive);

        var customer = await app.SignUpAsync();
        var revoked = await client.RevokeTokenAsync(new TokenRevocationRequest
        {
            Address = "/connect/revoke",
            ClientId = VaultApp.CustomerAppClientId,
            Token = customer.Tokens.RefreshToken!,
            TokenTypeHint = OidcConstants.TokenTypes.RefreshToken,
        });
        Assert.False(revoked.IsError, revoked.Error);

        var refreshed = await client.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = "/connect/token",
            ClientId = VaultApp.CustomerAppClientId,
            RefreshToken = customer.Tokens.RefreshToken!,
        });
        Assert.True(refreshed.IsError);
    }

    [Fact]
    public async Task Userinfo_returns_the_customers_subject_and_email()
    {
        var customer = await app.SignUpAsync(scope: "openid email vault.profile");
        using var client = app.CreateApiClient();

        var userInfo = await client.GetUserInfoAsync(new UserInfoRequest { Address = "/connect/userinfo", Token = customer.AccessToken });

        Assert.False(userInfo.IsError, userInfo.Error);
        Assert.Equal(customer.Id.ToString(), userInfo.Claims.Single(c => c.Type == "sub").Value);
        Assert.Equal(customer.Email, userInfo.Claims.Single(c => c.Type == "email").Value);
    }

    [Fact]
    public async Task Jwks_publishes_the_token_key_and_the_document_key()
    {
        using var client = app.CreateApiClient();

        var jwks = await client.GetFromJsonAsync<JsonElement>("/.well-known/jwks");

        var keys = jwks.GetProperty("keys").EnumerateArray().ToList();
        Assert.Equal(2, keys.Count);
        Assert.All(keys, key => Assert.Equal(("RSA", "sig", "RS256"), (key.GetProperty("kty").GetString(), key.GetProperty("use").GetString(), key.GetProperty("alg").GetString())));
        Assert.Equal(2, keys.Select(k => k.GetProperty("kid").GetString()).Distinct().Count());
    }

    private static JsonElement Claims(string jwt) =>
        JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(jwt.Split('.')[1])).RootElement;
}
