using System.Security.Cryptography.X509Certificates;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace CustomerVault.Identity;

/// <summary>
/// The JWKS endpoint publishes the document keys (receipts, exports, checkpoints) beside OpenIddict's token keys, so a
/// verifier finds every key the vault signs with, current, next and earlier, by its <c>kid</c> in one place.
/// </summary>
public sealed class PublishDocumentKeys(VaultCertificates certificates) : IOpenIddictServerHandler<HandleJsonWebKeySetRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleJsonWebKeySetRequestContext>()
            .UseSingletonHandler<PublishDocumentKeys>()
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachSigningKeys.Descriptor.Order + 1_000)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(HandleJsonWebKeySetRequestContext context)
    {
        foreach (var certificate in certificates.Documents.All)
        {
            // As OpenIddict publishes its token keys: the RSA parameters, and the certificate (x5c, x5t) for verifiers that want it.
            var key = JsonWebKeyConverter.ConvertFromX509SecurityKey(new X509SecurityKey(certificate), representAsRsaKey: true);
            key.Use = JsonWebKeyUseNames.Sig;
            key.Alg = SecurityAlgorithms.RsaSha256;
            key.X5t = Base64UrlEncoder.Encode(certificate.GetCertHash());
            key.X5c.Add(Convert.ToBase64String(certificate.RawData));
            // A certificate listed for both purposes (the token key that signed documents before they had their own) is published once.
            if (!context.Keys.Exists(published => published.Kid == key.Kid))
            {
                context.Keys.Add(key);
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// OpenIddict signs with the first of its keys, which it orders by expiry (the latest first). The vault signs with the
    /// key configured as current, whatever the dates, so that publishing the next key (or keeping an earlier one) never
    /// changes which key signs.
    /// </summary>
    public static void SignWith(OpenIddictServerOptions options, X509Certificate2 current)
    {
        var index = options.SigningCredentials.FindIndex(c => c.Key is X509SecurityKey key && key.Certificate.Thumbprint == current.Thumbprint);
        if (index > 0)
        {
            var credentials = options.SigningCredentials[index];
            options.SigningCredentials.RemoveAt(index);
            options.SigningCredentials.Insert(0, credentials);
        }
    }
}
