using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Cli;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Spectre.Console.Testing;

namespace CustomerVault.Api.Tests.Identity;

/// <summary>
/// Tokens and the documents the vault vouches for are signed with different keys, both published; keys rotate without
/// downtime: the configured current key signs, published keys keep what they signed verifiable.
/// </summary>
public sealed class SigningKeyTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task Documents_are_signed_with_the_document_key_not_the_token_key_and_verify_against_the_JWKS_by_kid()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer);
        using var customerApi = app.Api(customer);
        using var admin = await app.OperatorAsync();

        var receipt = (string)(await (await customerApi.GetAsync($"/v1/me/grants/{grantId}/receipt")).JsonAsync())["jws"]!;
        var export = await customerApi.GetStringAsync("/v1/me/export");
        var checkpoint = (string)(await (await admin.PostAsync("/v1/audit/checkpoints", null)).JsonAsync())["jws"]!;
        var jwks = new JsonWebKeySet(await app.CreateApiClient().GetStringAsync("/.well-known/jwks"));

        var tokenKid = new JsonWebToken(customer.AccessToken).Kid;
        foreach (var (jws, type) in new[] { (receipt, "consent-receipt+jwt"), (export, "customervault-export+jwt"), (checkpoint, "customervault-checkpoint+jwt") })
        {
            var kid = new JsonWebToken(jws).Kid;
            Assert.NotEqual(tokenKid, kid);
            var key = Assert.Single(jwks.Keys, k => k.Kid == kid);
            var validation = await Jws.ValidateAsync(jws, [key], type);
            Assert.True(validation.IsValid, validation.Exception?.Message);
        }

        Assert.Single(jwks.Keys, k => k.Kid == tokenKid);
    }

    [Fact]
    public async Task A_token_signed_with_the_document_key_is_refused()
    {
        var genuine = (await app.ClientCredentialsAsync("demo-auditor", "demo-auditor-secret")).AccessToken!;
        using var documentKey = X509CertificateLoader.LoadPkcs12FromFile(Path.Combine(TestDatabase.DataDirectory, "keys", "documents.pfx"), null);

        using var auditor = app.CreateApiClient(Jws.Resign(genuine, documentKey));

        Assert.Equal(HttpStatusCode.Unauthorized, (await auditor.GetAsync("/v1/audit/events")).StatusCode);
    }

    [Fact]
    public async Task After_a_rotation_the_new_keys_sign_and_what_the_old_keys_signed_still_verifies()
    {
        var keys = Path.Combine(TestDatabase.RunDirectory, $"rotation-{Guid.NewGuid():N}");
        // The new token key expires before the old one: the configured current key signs whatever the dates.
        var oldTokens = TestCertificates.Write(keys, "tokens-1", days: 60);
        var newTokens = TestCertificates.Write(keys, "tokens-2", days: 30);
        var oldDocuments = TestCertificates.Write(keys, "documents-1", days: 60);
        var newDocuments = TestCertificates.Write(keys, "documents-2", days: 60);
        var connectionString = await TestDatabase.CreateDatabaseAsync($"t_rotation_{Guid.NewGuid():N}");

        string oldToken, oldCheckpoint;
        await using (var before = new ConnectedVaultApp(connectionString, new Dictionary<string, string?>
                     {
                         ["Vault:Certificates:Signing:Path"] = oldTokens.Pfx,
                         ["Vault:Certificates:Documents:Path"] = oldDocuments.Pfx,
                     }))
        {
            await before.InitializeAsync();
            oldToken = (await before.ClientCredentialsAsync("demo-auditor", "demo-auditor-secret")).AccessToken!;
            await before.SignUpAsync();
            using var admin = await before.OperatorAsync();
            oldCheckpoint = (string)(await (await admin.PostAsync("/v1/audit/checkpoints", null)).JsonAsync())["jws"]!;
        }

        // The next node: new keys current, the old token key still published, the old document key as a certificate alone.
        await using var after = new ConnectedVaultApp(connectionString, new Dictionary<string, string?>
        {
            ["Vault:Certificates:Signing:Path"] = newTokens.Pfx,
            ["Vault:Certificates:Signing:Published:0:Path"] = oldTokens.Pfx,
            ["Vault:Certificates:Documents:Path"] = newDocuments.Pfx,
            ["Vault:Certificates:Documents:Published:0:Path"] = oldDocuments.Certificate,
        });
        await after.InitializeAsync();

        var jwks = new JsonWebKeySet(await after.CreateApiClient().GetStringAsync("/.well-known/jwks"));
        Assert.Equal(new[] { oldTokens.Kid, newTokens.Kid, oldDocuments.Kid, newDocuments.Kid }.Order(), jwks.Keys.Select(k => k.Kid).Order());

        using var withOldToken = after.CreateApiClient(oldToken);
        Assert.Equal(HttpStatusCode.OK, (await withOldToken.GetAsync("/v1/audit/events")).StatusCode);
        var auditor = await after.AuditorAsync();
        var oldCheckpointVerified = await auditor.GetFromJsonAsync<JsonObject>("/v1/audit/checkpoints/latest/verify");
        Assert.Equal(oldDocuments.Kid, new JsonWebToken(oldCheckpoint).Kid);
        Assert.True((bool)oldCheckpointVerified!["signatureValid"]!);
        var cli = await VerifyWithCliAsync(connectionString, newDocuments.Pfx, oldDocuments.Certificate);
        Assert.Contains($"Checkpoint signature valid (key {oldDocuments.Kid}).", cli);

        var newToken = (await after.ClientCredentialsAsync("demo-auditor", "demo-auditor-secret")).AccessToken!;
        using var admin2 = await after.OperatorAsync();
        var newCheckpoint = (string)(await (await admin2.PostAsync("/v1/audit/checkpoints", null)).JsonAsync())["jws"]!;
        Assert.Equal(newTokens.Kid, new JsonWebToken(newToken).Kid);
        Assert.Equal(newDocuments.Kid, new JsonWebToken(newCheckpoint).Kid);
        Assert.True((bool)(await auditor.GetFromJsonAsync<JsonObject>("/v1/audit/checkpoints/latest/verify"))!["signatureValid"]!);
    }

    private static async Task<string> VerifyWithCliAsync(string connectionString, string documents, string published)
    {
        var environment = new Dictionary<string, string?>
        {
            ["Vault__Certificates__Documents__Path"] = documents,
            ["Vault__Certificates__Documents__Published__0__Path"] = published,
        };
        var run = await CliRunner.RunAsync(["audit", "verify", "--connection", connectionString], environment);
        return run.Output;
    }
}
