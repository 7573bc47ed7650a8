using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
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
    private readonly RSA? _key = signingCertificate.GetRSAPrivateKey();

    /// <param name="type">The JWS "typ" header, naming what is signed.</param>
    public string Sign(string jsonPayload, string type) =>
        _handler.CreateToken(jsonPayload, _credentials, new Dictionary<string, object> { [JwtHeaderParameterNames.Typ] = type });

    /// <summary>
    /// A JWS written as its payload is produced, for documents too large to hold (the export): the same header as
    /// <see cref="Sign"/> (taken from a token the handler makes, so the two never drift), the signature over the text as it went out.
    /// </summary>
    public StreamingJws SignStreaming(Stream output, string type)
    {
        var header = _handler.CreateToken("{}", _credentials, new Dictionary<string, object> { [JwtHeaderParameterNames.Typ] = type }).Split('.')[0];
        var key = _key ?? throw new InvalidOperationException("The signing certificate has no RSA private key.");
        return new StreamingJws(output, header, hash => key.SignHash(hash, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }

    /// <summary>The signing key, for checking the vault's own signatures.</summary>
    public SecurityKey Key => _credentials.Key;
}
