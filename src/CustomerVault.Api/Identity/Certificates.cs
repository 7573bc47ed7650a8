using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;

namespace CustomerVault.Identity;

/// <summary>
/// The vault's signing and encryption certificates. Signing signs access and identity tokens (published at
/// the JWKS endpoint, so anyone can verify what the vault signed); encryption protects authorization codes and
/// refresh tokens. Outside Development both come from configuration; in Development they are generated once
/// and kept in <c>{Vault:DataDirectory}/keys</c>, so tokens survive a restart.
/// </summary>
public sealed record VaultCertificates(X509Certificate2 Signing, X509Certificate2 Encryption)
{
    public const string Section = "Vault:Certificates";

    public static VaultCertificates Load(IConfiguration configuration, IHostEnvironment environment) => new(
        Load(configuration, environment, "Signing", X509KeyUsageFlags.DigitalSignature),
        Load(configuration, environment, "Encryption", X509KeyUsageFlags.KeyEncipherment));

    private static X509Certificate2 Load(IConfiguration configuration, IHostEnvironment environment, string purpose, X509KeyUsageFlags usage)
    {
        var path = configuration[$"{Section}:{purpose}:Path"];
        var password = configuration[$"{Section}:{purpose}:Password"];
        if (!string.IsNullOrWhiteSpace(path))
        {
            if (!File.Exists(path))
            {
                throw new VaultStartupException($"{Section}:{purpose}:Path points at {path}, which does not exist.");
            }

            return X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.EphemeralKeySet);
        }

        if (!environment.IsDevelopment())
        {
            throw new VaultStartupException(
                $"{Section}:{purpose}:Path is not set. Outside Development the vault needs a {purpose.ToLowerInvariant()} certificate "
                + $"(a PKCS#12 file with its private key; {Section}:{purpose}:Password if it has one).");
        }

        var file = Path.Combine(VaultPaths.DataDirectory(configuration), "keys", $"{purpose.ToLowerInvariant()}.pfx");
        var pfx = DevelopmentSecrets.ReadOrCreate(file, () => CreateSelfSigned($"CN=CustomerVault Development {purpose}", usage));
        return X509CertificateLoader.LoadPkcs12(pfx, null, X509KeyStorageFlags.EphemeralKeySet);
    }

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
