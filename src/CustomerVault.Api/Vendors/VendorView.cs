using CustomerVault.Webhooks;

namespace CustomerVault.Vendors;

/// <param name="RedirectUris">Where the vault may send customers back after the vendor's web flow; empty when it has none.</param>
/// <param name="WebhookHealth">How deliveries to the vendor's webhook fare: an endpoint failing for days shows here.</param>
/// <param name="Retention">How long the vendor keeps data per purpose once a grant ends, as declared; customers see it before they decide.</param>
public sealed record VendorView(
    Guid Id, string ClientId, string DisplayName, string? Website, string ContactEmail, IReadOnlyList<string> Scopes, string? WebhookUrl,
    string Status, DateTimeOffset RegisteredAt, DateTimeOffset? SuspendedAt, string? SuspensionReason, DateTimeOffset? SecretRotatedAt,
    IReadOnlyList<string> RedirectUris, WebhookHealth? WebhookHealth = null, IReadOnlyList<DeclaredRetention>? Retention = null)
{
    public static VendorView Of(Vendor v, WebhookHealth? health = null) => new(v.Id, v.ClientId, v.DisplayName, v.Website, v.ContactEmail, v.Scopes, v.WebhookUrl,
        VendorDecider.Name(v.Status), v.RegisteredAt, v.SuspendedAt, v.SuspensionReason, v.SecretRotatedAt, v.RedirectUris ?? [], health, v.Retention);
}
