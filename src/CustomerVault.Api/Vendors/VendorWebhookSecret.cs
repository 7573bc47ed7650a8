using System.Text;
using CustomerVault.Infrastructure.Encryption;

namespace CustomerVault.Vendors;

/// <summary>
/// A vendor's webhook signing secret, kept beside its stream (never in an event) and sealed with the master key:
/// the vault must sign with it, so it is encrypted rather than hashed.
/// </summary>
public sealed record VendorWebhookSecret(Guid Id, string Sealed, DateTimeOffset RotatedAt)
{
    public static VendorWebhookSecret Seal(MasterKey masterKey, Guid vendorId, string secret, DateTimeOffset at) =>
        new(vendorId, masterKey.Seal(Purpose(vendorId), Encoding.UTF8.GetBytes(secret)), at);

    public string Open(MasterKey masterKey) => Encoding.UTF8.GetString(masterKey.Open(Purpose(Id), Sealed));

    private static string Purpose(Guid vendorId) => $"customervault/webhook-secret/v1/{vendorId:N}";
}
