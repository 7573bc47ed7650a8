using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using CustomerVault.Api.Tests.Support;
using Microsoft.IdentityModel.Tokens;

namespace CustomerVault.Api.Tests.MyData;

public sealed class ExportTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task The_export_holds_her_values_requests_grants_with_receipts_reads_and_contacts_signed_by_the_vault()
    {
        var vendor = await app.RegisterVendorAsync("Export Optics");
        var customer = await app.SignUpAsync();
        await app.SetProfileAsync(customer, """
            { "identity": { "name": { "given": "Ada", "family": "Lovelace" } },
              "preferences": { "communication": { "channels": ["post"], "maxContactsPerWeek": 2 } } }
            """);
        var grantId = await app.GrantAsync(vendor, customer, "name email", contactTerms: new { channels = new[] { "post" }, maxContactsPerWeek = 1 });
        using var vendorApi = app.Api(vendor);
        var customerId = await app.ConnectAsync(vendor, customer);
        (await vendorApi.GetAsync($"/v1/customers/{customerId}/profile?purpose=marketing")).EnsureSuccessStatusCode();
        (await vendorApi.PostAsJsonAsync($"/v1/customers/{customerId}/contacts", new { channel = "post" })).EnsureSuccessStatusCode();
        using var customerApi = app.Api(customer);
        (await customerApi.PostAsJsonAsync("/v1/me/messages", new { vendorId = vendor.Id, kind = "question", subject = "Delivery", body = "When does it ship?" }))
            .EnsureSuccessStatusCode();

        var response = await customerApi.GetAsync("/v1/me/export");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/jose", response.Content.Headers.ContentType?.MediaType);
        Assert.EndsWith(".jws", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var jws = await response.Content.ReadAsStringAsync();
        var keys = await app.PublishedKeysAsync();
        var validation = await ValidateAsync(jws, keys);
        Assert.True(validation.IsValid, validation.Exception?.Message);

        var document = Jws.Payload(jws);
        Assert.Equal("customervault-export/v2", (string?)document["format"]);
        Assert.Equal(customer.Id.ToString(), (string?)document["customerId"]);
        Assert.Equal("Lovelace", (string?)document["profile"]!["identity"]!["name"]!["family"]);
        Assert.Equal(customer.Email, (string?)document["profile"]!["contact"]!["email"]);
        var request = Assert.Single(document["requests"]!.AsArray())!;
        Assert.Equal("approved", (string?)request["status"]);
        var grant = Assert.Single(document["grants"]!.AsArray())!;
        Assert.Equal(grantId.ToString(), (string?)grant["grant"]!["id"]);
        Assert.Equal("granted", (string?)Assert.Single(grant["receipts"]!.AsArray())!["event"]);
        Assert.Equal(["contact.email", "identity.name"], Assert.Single(document["reads"]!.AsArray())!["attributes"]!.AsArray().Select(a => (string?)a).Order());
        Assert.Equal("post", (string?)Assert.Single(document["contacts"]!.AsArray())!["channel"]);
        Assert.Equal("When does it ship?", (string?)Assert.Single(document["messages"]!.AsArray())!["body"]);
    }

    [Fact]
    public async Task Changing_one_byte_of_the_export_breaks_its_signature()
    {
        var customer = await app.SignUpAsync();
        using var customerApi = app.Api(customer);
        var jws = await customerApi.GetStringAsync("/v1/me/export");
        var keys = await app.PublishedKeysAsync();
        Assert.True((await ValidateAsync(jws, keys)).IsValid);

        var parts = jws.Split('.');
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1]));
        var altered = payload.Replace(customer.Email, "X" + customer.Email[1..]);
        Assert.NotEqual(payload, altered);
        var tampered = $"{parts[0]}.{Base64UrlEncoder.Encode(altered)}.{parts[2]}";

        Assert.False((await ValidateAsync(tampered, keys)).IsValid);
    }

    [Fact]
    public async Task The_export_verifies_without_a_JOSE_library_as_README_shows_with_openssl()
    {
        var customer = await app.SignUpAsync();
        var jws = await app.Api(customer).GetStringAsync("/v1/me/export");
        using var jwks = JsonDocument.Parse(await app.CreateApiClient().GetStringAsync("/.well-known/jwks"));

        // The key the header's kid names: jq '.keys[] | select(.kid == $kid) | .x5c[0]' | base64 -d | openssl x509 -pubkey;
        // then RS256 over the text "header.payload".
        var kid = JsonDocument.Parse(Base64UrlEncoder.Decode(jws[..jws.IndexOf('.')])).RootElement.GetProperty("kid").GetString();
        var published = jwks.RootElement.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("kid").GetString() == kid);
        using var certificate = X509CertificateLoader.LoadCertificate(Convert.FromBase64String(published.GetProperty("x5c")[0].GetString()!));
        using var key = certificate.GetRSAPublicKey()!;
        var signed = Encoding.ASCII.GetBytes(jws[..jws.LastIndexOf('.')]);
        var signature = Base64UrlEncoder.DecodeBytes(jws[(jws.LastIndexOf('.') + 1)..]);

        Assert.True(key.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        signed[^1] ^= 1;
        Assert.False(key.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    [Fact]
    public async Task The_export_needs_both_customer_scopes_and_holds_only_her_own_data()
    {
        var vendor = await app.RegisterVendorAsync();
        var other = await app.SignUpAsync();
        var otherGrant = await app.GrantAsync(vendor, other);
        var customer = await app.SignUpAsync();
        var profileOnly = await app.SignInAsync(customer.Email, customer.Password, "openid vault.profile");

        await (await app.CreateApiClient(profileOnly.AccessToken).GetAsync("/v1/me/export")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await app.CreateApiClient().GetAsync("/v1/me/export")).AssertProblemAsync(HttpStatusCode.Unauthorized);
        using var vendorApi = app.Api(vendor);
        Assert.Equal(HttpStatusCode.Forbidden, (await vendorApi.GetAsync("/v1/me/export")).StatusCode);

        var jws = await app.Api(customer).GetStringAsync("/v1/me/export");
        var payload = Jws.Payload(jws).ToJsonString();
        Assert.DoesNotContain(other.Id.ToString(), payload);
        Assert.DoesNotContain(otherGrant.ToString(), payload);
    }

    private static Task<TokenValidationResult> ValidateAsync(string jws, IList<SecurityKey> keys) => Jws.ValidateAsync(jws, keys, "customervault-export+jwt");
}
