using CustomerVault.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CustomerVault.Audit;

/// <summary>
/// Signs what the vault vouches for (consent receipts, checkpoints, exports) as compact JWS with the same key that
/// signs its tokens, so anyone can verify them against the published JWKS (<c>/.well-known/jwks</c>).
/// </summary>
public sealed class VaultSigner(System.Security.Cryptography.X509Certificates.X509Certificate2 signingCertificate)
{
    public VaultSigner(VaultCertificates certificates)
        : this(certificates.Signing)
    {
    }

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SigningCredentials _credentials = new X509SigningCredentials(signingCertificate, SecurityAlgorithms.RsaSha256);

    /// <param name="type">The JWS "typ" header, naming what is signed.</param>
    public string Sign(string jsonPayload, string type) =>
        _handler.CreateToken(jsonPayload, _credentials, new Dictionary<string, object> { [JwtHeaderParameterNames.Typ] = type });

    /// <summary>The signing key, for checking the vault's own signatures.</summary>
    public SecurityKey Key => _credentials.Key;
}
