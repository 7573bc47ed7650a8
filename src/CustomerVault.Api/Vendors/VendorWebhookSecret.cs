using System.Security.Cryptography;
using System.Text;
using CustomerVault.Infrastructure.Encryption;

namespace CustomerVault.Vendors;

/// <summary>
/// A vendor's webhook signing secret, kept beside its stream (never in an event) and sealed with the master key:
/// the vault must sign with it, so it is encrypted rather than hashed.
/// </summary>
/// <param name="MasterKeyId">The master key that sealed it; absent on secrets sealed before ids were recorded, which any held key may open.</param>
public sealed record VendorWebhookSecret(Guid Id, string Sealed, DateTimeOffset RotatedAt, string? MasterKeyId = null) : ISealedByMasterKey
{
    public static VendorWebhookSecret Seal(MasterKeys masterKeys, Guid vendorId, string secret, DateTimeOffset at) =>
        new(vendorId, masterKeys.Current.Seal(Purpose(vendorId), Encoding.UTF8.GetBytes(secret)), at, masterKeys.Current.Id);

    public string Open(MasterKeys masterKeys) => Encoding.UTF8.GetString(OpenBytes(masterKeys));

    /// <summary>The same secret, sealed by the current master key (itself when it already is).</summary>
    public VendorWebhookSecret Resealed(MasterKeys masterKeys) =>
        MasterKeyId == masterKeys.Current.Id ? this : this with { Sealed = masterKeys.Current.Seal(Purpose(Id), OpenBytes(masterKeys)), MasterKeyId = masterKeys.Current.Id };

    private byte[] OpenBytes(MasterKeys masterKeys)
    {
        if (MasterKeyId is not null)
        {
            return masterKeys.Get(MasterKeyId).Open(Purpose(Id), Sealed);
        }

        // Authenticated encryption: a wrong key fails its tag check, it never yields a wrong secret.
        foreach (var key in masterKeys.All)
        {
            try
            {
                return key.Open(Purpose(Id), Sealed);
            }
            catch (CryptographicException)
            {
            }
        }

        throw new InvalidOperationException($"No configured master key opens the webhook secret of vendor {Id}.");
    }

    private static string Purpose(Guid vendorId) => $"customervault/webhook-secret/v1/{vendorId:N}";
}
