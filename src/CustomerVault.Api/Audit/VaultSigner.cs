using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CustomerVault.Identity;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace CustomerVault.Audit;

/// <summary>
/// Signs what the vault vouches for (consent receipts, checkpoints, exports) as compact JWS with the document key,
/// never a token key, so anyone can verify them against the published JWKS (<c>/.well-known/jwks</c>) by their
/// <c>kid</c>, and none can pass for a token. Documents name the configured issuer, never a request's host.
/// </summary>
public sealed class VaultSigner
{
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly SigningCredentials? _credentials;
    private readonly RSA? _key;
    private readonly string? _issuer;

    /// <param name="signing">The key that signs; null where the vault's documents are only checked (the CLI).</param>
    /// <param name="verifying">Every document key still published, the signing one included.</param>
    public VaultSigner(X509Certificate2? signing, IEnumerable<X509Certificate2> verifying, string? issuer)
    {
        _credentials = signing is null ? null : new X509SigningCredentials(signing, SecurityAlgorithms.RsaSha256);
        _key = signing?.GetRSAPrivateKey();
        Keys = [.. verifying.Select(certificate => new X509SecurityKey(certificate))];
        _issuer = issuer;
    }

    public VaultSigner(VaultCertificates certificates, VaultIssuer issuer)
        : this(certificates.Documents.Current, certificates.Documents.All, issuer.Value)
    {
    }

    /// <summary>The configured issuer, which every signed document names.</summary>
    public string Issuer => _issuer ?? throw new InvalidOperationException("Signing needs the vault's issuer.");

    /// <summary>The document keys, for checking the vault's own signatures (by <c>kid</c>).</summary>
    public IReadOnlyList<SecurityKey> Keys { get; }

    private SigningCredentials Credentials => _credentials ?? throw new InvalidOperationException("Signing needs the vault's document key.");

    /// <param name="type">The JWS "typ" header, naming what is signed.</param>
    public string Sign(string jsonPayload, string type) =>
        _handler.CreateToken(jsonPayload, Credentials, new Dictionary<string, object> { [JwtHeaderParameterNames.Typ] = type });

    /// <summary>
    /// A JWS written as its payload is produced, for documents too large to hold (the export): the same header as
    /// <see cref="Sign"/> (taken from a token the handler makes, so the two never drift), the signature over the text as it went out.
    /// </summary>
    public StreamingJws SignStreaming(Stream output, string type)
    {
        var header = _handler.CreateToken("{}", Credentials, new Dictionary<string, object> { [JwtHeaderParameterNames.Typ] = type }).Split('.')[0];
        var key = _key ?? throw new InvalidOperationException("The document certificate has no RSA private key.");
        return new StreamingJws(output, header, hash => key.SignHash(hash, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
    }
}
