using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;

namespace CustomerVault.Api.Tests.Identity;

/// <summary>The issuer is configuration: a request's Host header changes nothing the vault advertises, mints or signs.</summary>
public sealed class IssuerTests(VaultApp app) : IClassFixture<VaultApp>
{
    internal const string Forged = "http://evil.example";

    [Fact]
    public async Task A_forged_Host_changes_nothing_in_discovery()
    {
        using var client = app.CreateApiClient();

        var genuine = await client.GetFromJsonAsync<JsonObject>("/.well-known/openid-configuration");
        var forged = await client.GetFromJsonAsync<JsonObject>($"{Forged}/.well-known/openid-configuration");

        Assert.Equal(VaultApp.Issuer, (string?)forged!["issuer"]);
        foreach (var endpoint in new[] { "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "end_session_endpoint", "jwks_uri" })
        {
            Assert.StartsWith(VaultApp.Issuer, (string?)forged[endpoint]);
        }

        Assert.Equal(genuine!.ToJsonString(), forged.ToJsonString());
    }

    [Fact]
    public async Task Receipts_and_exports_fetched_through_a_forged_Host_name_the_configured_issuer()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer);
        using var customerApi = app.Api(customer);

        var receipt = await (await customerApi.GetAsync($"{Forged}/v1/me/grants/{grantId}/receipt")).JsonAsync();
        var export = await customerApi.GetStringAsync($"{Forged}/v1/me/export");

        Assert.Equal(VaultApp.Issuer, (string?)receipt["receipt"]!["iss"]);
        Assert.Equal(VaultApp.Issuer, (string?)Jws.Payload((string)receipt["jws"]!)["iss"]);
        Assert.Equal(VaultApp.Issuer, (string?)Jws.Payload(export)["issuer"]);
        Assert.Equal(VaultApp.Issuer, (string?)Jws.Payload(export)["grants"]![0]!["receipts"]![0]!["receipt"]!["iss"]);
    }

    [Fact]
    public async Task A_checkpoint_names_the_configured_issuer()
    {
        using var admin = await app.OperatorAsync();
        await app.SignUpAsync();

        var checkpoint = await (await admin.PostAsync($"{Forged}/v1/audit/checkpoints", null)).JsonAsync();

        Assert.Equal(VaultApp.Issuer, (string?)Jws.Payload((string)checkpoint["jws"]!)["iss"]);
    }

    [Fact]
    public async Task A_validated_token_is_remembered_under_the_configured_issuer()
    {
        var token = (await app.ClientCredentialsAsync("demo-auditor", "demo-auditor-secret")).AccessToken!;
        using var auditor = app.CreateApiClient(token);

        (await auditor.GetAsync("/v1/audit/events")).EnsureSuccessStatusCode();

        var remembered = app.Services.GetRequiredService<ValidatedTokens>();
        Assert.True(remembered.TryGet(VaultApp.Issuer, token, app.Clock.GetUtcNow(), out _));
        Assert.False(remembered.TryGet($"{Forged}/", token, app.Clock.GetUtcNow(), out _));
    }
}

/// <summary>In Development without a configured issuer, the vault names itself by the address it was told to listen on.</summary>
public sealed class DevelopmentIssuerTests(DevelopmentIssuerTests.Vault app) : IClassFixture<DevelopmentIssuerTests.Vault>
{
    private const string Forged = IssuerTests.Forged;

    public sealed class Vault : VaultApp
    {
        public new const string Issuer = "http://localhost:5080/";

        protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
        {
            ["Vault:Tokens:Issuer"] = "",
            ["urls"] = "http://+:5080",
        };
    }

    [Fact]
    public async Task Discovery_names_the_listening_address_whatever_Host_the_request_carries()
    {
        using var client = app.CreateApiClient();

        var forged = await client.GetFromJsonAsync<JsonObject>($"{Forged}/.well-known/openid-configuration");

        Assert.Equal(Vault.Issuer, (string?)forged!["issuer"]);
        Assert.Equal("http://localhost:5080/connect/token", (string?)forged["token_endpoint"]);
        Assert.Equal("http://localhost:5080/.well-known/jwks", (string?)forged["jwks_uri"]);
    }

    [Fact]
    public async Task A_token_minted_through_a_forged_Host_names_the_listening_address()
    {
        using var client = app.CreateApiClient();

        var response = await client.PostAsync($"{Forged}/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = "demo-auditor", ["client_secret"] = "demo-auditor-secret",
        }));

        response.EnsureSuccessStatusCode();
        var token = (string)(await response.Content.ReadFromJsonAsync<JsonObject>())!["access_token"]!;
        Assert.Equal(Vault.Issuer, new JsonWebToken(token).Issuer);
    }

    [Fact]
    public async Task A_token_naming_another_issuer_is_never_accepted_neither_through_that_Host_nor_afterwards_from_the_cache()
    {
        var genuine = (await app.ClientCredentialsAsync("demo-auditor", "demo-auditor-secret")).AccessToken!;
        // Signed with the vault's own token key: only the issuer is wrong.
        var foreign = Resign(genuine, iss: $"{Forged}/");
        var control = Resign(genuine, iss: Vault.Issuer);

        using var client = app.CreateApiClient();
        var throughForgedHost = await client.SendAsync(Bearer($"{Forged}/v1/audit/events", foreign));
        var afterwards = await client.SendAsync(Bearer("/v1/audit/events", foreign));
        var controlResponse = await client.SendAsync(Bearer("/v1/audit/events", control));

        Assert.Equal(HttpStatusCode.Unauthorized, throughForgedHost.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, afterwards.StatusCode);
        Assert.Equal(HttpStatusCode.OK, controlResponse.StatusCode);
    }

    private static HttpRequestMessage Bearer(string url, string token) =>
        new(HttpMethod.Get, url) { Headers = { Authorization = new("Bearer", token) } };

    private static string Resign(string token, string iss)
    {
        using var key = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(TestDatabase.DataDirectory, "keys", "signing.pfx"), null);
        return Jws.Resign(token, key, payload =>
        {
            payload["iss"] = iss;
            payload["jti"] = Guid.NewGuid().ToString();
        });
    }
}
