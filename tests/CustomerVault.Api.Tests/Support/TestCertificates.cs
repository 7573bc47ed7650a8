using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CustomerVault.Api.Tests.Support;

/// <param name="Pfx">The PKCS#12 file, with the private key.</param>
/// <param name="Certificate">The certificate alone (PEM), as a verifier keeps it.</param>
/// <param name="Kid">The key id the vault publishes it under (the certificate's thumbprint).</param>
public sealed record TestCertificate(string Pfx, string Certificate, string Kid);

/// <summary>Certificates a test configures the vault with, as an operator would make them (self-signed RSA).</summary>
public static class TestCertificates
{
    public static TestCertificate Write(string directory, string name, int days = 30)
    {
        Directory.CreateDirectory(directory);
        using var rsa = RSA.Create(2048);
        using var certificate = new CertificateRequest($"CN={name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
            .CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(days));
        var written = new TestCertificate(Path.Combine(directory, $"{name}.pfx"), Path.Combine(directory, $"{name}.pem"), certificate.Thumbprint);
        File.WriteAllBytes(written.Pfx, certificate.Export(X509ContentType.Pfx));
        File.WriteAllText(written.Certificate, certificate.ExportCertificatePem());
        return written;
    }
}
