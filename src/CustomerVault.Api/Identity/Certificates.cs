using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;

namespace CustomerVault.Identity;

/// <summary>
/// One purpose's signing keys: the one that signs now, and the others published beside it at the JWKS endpoint (the
/// next key before it takes over, earlier keys while what they signed must still verify). Each key's <c>kid</c> is its
/// certificate's thumbprint.
/// </summary>
public sealed record SigningKeys(X509Certificate2 Current, IReadOnlyList<X509Certificate2> Published)
{
    public IEnumerable<X509Certificate2> All => [Current, .. Published];
}

/// <summary>
/// The vault's certificates. Tokens (<c>Signing</c>) and the documents the vault vouches for (<c>Documents</c>: consent
/// receipts, exports, checkpoints) are signed with different keys, so that neither kind can ever pass for the other and
/// each can be rotated on its own schedule; both are published at the JWKS endpoint. Encryption protects authorization
/// codes, refresh tokens and the Data Protection key ring. Outside Development they come from configuration; in
/// Development they are generated once and kept in <c>{Vault:DataDirectory}/keys</c>, so tokens survive a restart.
/// </summary>
public sealed record VaultCertificates(SigningKeys Tokens, SigningKeys Documents, X509Certificate2 Encryption)
{
    public const string Section = "Vault:Certificates";
    public const string TokensPurpose = "Signing";
    public const string DocumentsPurpose = "Documents";

    public static VaultCertificates Load(IConfiguration configuration, IHostEnvironment environment) => new(
        // OpenIddict validates its own codes and refresh tokens with every token key, and needs their private halves.
        Keys(configuration, environment, TokensPurpose, publishedNeedPrivateKey: true),
        Keys(configuration, environment, DocumentsPurpose, publishedNeedPrivateKey: false),
        Load(configuration, environment, "Encryption", X509KeyUsageFlags.KeyEncipherment));

    /// <summary>
    /// The document keys as a verifier needs them (public halves are enough): the configured ones, or in a Development
    /// data folder the generated one. None when this machine has neither.
    /// </summary>
    public static IReadOnlyList<X509Certificate2> DocumentVerificationKeys(IConfiguration configuration)
    {
        var path = configuration[$"{Section}:{DocumentsPurpose}:Path"];
        var development = DevelopmentFile(configuration, DocumentsPurpose);
        var current = !string.IsNullOrWhiteSpace(path)
            ? [FromFile(configuration, $"{Section}:{DocumentsPurpose}", needPrivateKey: false)]
            : File.Exists(development) ? [X509CertificateLoader.LoadPkcs12FromFile(development, null, X509KeyStorageFlags.EphemeralKeySet)] : Array.Empty<X509Certificate2>();
        return [.. current, .. Published(configuration, DocumentsPurpose, needPrivateKey: false)];
    }

    private static SigningKeys Keys(IConfiguration configuration, IHostEnvironment environment, string purpose, bool publishedNeedPrivateKey) =>
        new(Load(configuration, environment, purpose, X509KeyUsageFlags.DigitalSignature), Published(configuration, purpose, publishedNeedPrivateKey));

    /// <summary><c>Vault:Certificates:{purpose}:Published:{n}:Path</c> (and <c>:Password</c>), in order.</summary>
    private static List<X509Certificate2> Published(IConfiguration configuration, string purpose, bool needPrivateKey) =>
        configuration.GetSection($"{Section}:{purpose}:Published").GetChildren()
            .Select(entry => FromFile(configuration, entry.Path, needPrivateKey))
            .ToList();

    private static X509Certificate2 Load(IConfiguration configuration, IHostEnvironment environment, string purpose, X509KeyUsageFlags usage)
    {
        if (!string.IsNullOrWhiteSpace(configuration[$"{Section}:{purpose}:Path"]))
        {
            return FromFile(configuration, $"{Section}:{purpose}", needPrivateKey: true);
        }

        if (!environment.IsDevelopment())
        {
            throw new VaultStartupException(
                $"{Section}:{purpose}:Path is not set. Outside Development the vault needs a {Describe(purpose)} certificate "
                + $"(a PKCS#12 file with its private key; {Section}:{purpose}:Password if it has one).");
        }

        var pfx = DevelopmentSecrets.ReadOrCreate(DevelopmentFile(configuration, purpose),
            () => CreateSelfSigned($"CN=CustomerVault Development {purpose}", usage));
        return X509CertificateLoader.LoadPkcs12(pfx, null, X509KeyStorageFlags.EphemeralKeySet);
    }

    /// <summary>A PKCS#12 file (with its private key), or where only verifying is needed, a certificate alone (PEM or DER).</summary>
    private static X509Certificate2 FromFile(IConfiguration configuration, string section, bool needPrivateKey)
    {
        var path = configuration[$"{section}:Path"];
        if (string.IsNullOrWhiteSpace(path) || !File.Exists(path))
        {
            throw new VaultStartupException($"{section}:Path points at {path ?? "nothing"}, which does not exist.");
        }

        var certificate = X509Certificate2.GetCertContentType(path) == X509ContentType.Pkcs12
            ? X509CertificateLoader.LoadPkcs12FromFile(path, configuration[$"{section}:Password"], X509KeyStorageFlags.EphemeralKeySet)
            : X509CertificateLoader.LoadCertificateFromFile(path);
        if (needPrivateKey && !certificate.HasPrivateKey)
        {
            throw new VaultStartupException($"{section}:Path ({path}) must be a PKCS#12 file with the private key.");
        }

        return certificate;
    }

    private static string DevelopmentFile(IConfiguration configuration, string purpose) =>
        Path.Combine(VaultPaths.DataDirectory(configuration), "keys", $"{purpose.ToLowerInvariant()}.pfx");

    private static string Describe(string purpose) => purpose switch
    {
        TokensPurpose => "token signing",
        DocumentsPurpose => "document signing (consent receipts, exports, checkpoints)",
        _ => purpose.ToLowerInvariant(),
    };

    private static byte[] CreateSelfSigned(string subject, X509KeyUsageFlags usage)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest(subject, rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(usage, critical: true));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(2));
        return certificate.Export(X509ContentType.Pfx);
    }
}
