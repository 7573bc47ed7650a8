using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CustomerVault.Api.Tests.Support;

/// <summary>Checks what the vault signs the way a third party would: against the keys it publishes.</summary>
public static class Jws
{
    public static async Task<IList<SecurityKey>> PublishedKeysAsync(this VaultApp app)
    {
        using var client = app.CreateApiClient();
        return new JsonWebKeySet(await client.GetStringAsync("/.well-known/jwks")).GetSigningKeys();
    }

    public static Task<TokenValidationResult> ValidateAsync(string jws, IList<SecurityKey> keys, string type) =>
        // An export is as large as her history; the handler's default ceiling (256 kB) is for tokens.
        new JsonWebTokenHandler { MaximumTokenSizeInBytes = int.MaxValue }.ValidateTokenAsync(jws, new TokenValidationParameters
        {
            IssuerSigningKeys = keys,
            ValidateIssuer = false,
            ValidateAudience = false,
            ValidateLifetime = false,
            RequireExpirationTime = false,
            ValidTypes = [type],
        });

    /// <summary>The token's payload, changed as the test says, signed again with another key: what a forger would send.</summary>
    public static string Resign(string jwt, X509Certificate2 key, Action<JsonObject>? change = null)
    {
        var token = new JsonWebToken(jwt);
        var payload = Payload(jwt);
        change?.Invoke(payload);
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(payload.ToJsonString(),
            new X509SigningCredentials(key, SecurityAlgorithms.RsaSha256), new Dictionary<string, object> { [JwtHeaderParameterNames.Typ] = token.Typ });
    }

    public static JsonObject Payload(string jws) => JsonNode.Parse(Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(jws.Split('.')[1])))!.AsObject();
}
