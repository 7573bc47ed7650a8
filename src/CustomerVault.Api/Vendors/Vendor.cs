namespace CustomerVault.Vendors;

// A vendor's stream: its registration, secret rotations and suspensions. The OAuth client it uses lives in the
// identity store; the secret never appears in an event, only the fact that it was rotated. Each operator's use case is a
// file of its own beside this one (RegisterVendor, RotateVendorSecret, SetVendorRedirectUris, SuspendVendor,
// ReactivateVendor, SetVendorRetention), with its part of VendorDecider; the vendor itself sets its webhook (Webhooks).

/// <param name="RedirectUris">Where the vault may send a customer back after she decided in the vendor's web flow; none for a vendor without one.</param>
/// <param name="Retention">How long it keeps data per purpose once a grant ends, as it declared at registration.</param>
public sealed record VendorRegistered(
    Guid VendorId, string ClientId, string DisplayName, string? Website, string ContactEmail,
    IReadOnlyList<string> Scopes, string? WebhookUrl, DateTimeOffset RegisteredAt, IReadOnlyList<string>? RedirectUris = null,
    IReadOnlyList<DeclaredRetention>? Retention = null);

/// <summary>The vendor's declared retention per purpose was replaced.</summary>
public sealed record VendorRetentionDeclared(Guid VendorId, IReadOnlyList<DeclaredRetention> Retention, DateTimeOffset DeclaredAt);

public sealed record VendorSecretRotated(Guid VendorId, DateTimeOffset RotatedAt);

public sealed record VendorSuspended(Guid VendorId, string? Reason, DateTimeOffset SuspendedAt);

public sealed record VendorReactivated(Guid VendorId, DateTimeOffset ReactivatedAt);

/// <summary>The places the vault may send a customer back to after the vendor's web flow were replaced.</summary>
public sealed record VendorRedirectUrisChanged(Guid VendorId, IReadOnlyList<string> RedirectUris, DateTimeOffset ChangedAt);

public sealed record VendorWebhookChanged(Guid VendorId, string? Url, DateTimeOffset ChangedAt);

/// <summary>The webhook signing secret was replaced; the secret itself is kept sealed beside the stream, never in it.</summary>
public sealed record VendorWebhookSecretRotated(Guid VendorId, DateTimeOffset RotatedAt);

public enum VendorStatus
{
    Active,
    Suspended,
}

/// <summary>A registered vendor as the event store projects it (inline, so a suspension applies at once).</summary>
public sealed record Vendor(
    Guid Id, string ClientId, string DisplayName, string? Website, string ContactEmail, IReadOnlyList<string> Scopes,
    string? WebhookUrl, VendorStatus Status, DateTimeOffset RegisteredAt, DateTimeOffset? SuspendedAt, string? SuspensionReason,
    DateTimeOffset? SecretRotatedAt, IReadOnlyList<string>? RedirectUris = null)
{
    public long Version { get; set; }

    /// <summary>How long it keeps data per purpose once a grant ends, as declared; empty when it declared nothing.</summary>
    public IReadOnlyList<DeclaredRetention> Retention { get; init; } = [];

    public static Vendor Create(VendorRegistered e) =>
        new(e.VendorId, e.ClientId, e.DisplayName, e.Website, e.ContactEmail, e.Scopes, e.WebhookUrl, VendorStatus.Active, e.RegisteredAt, null, null, null,
            e.RedirectUris ?? []) { Retention = e.Retention ?? [] };

    public Vendor Apply(VendorRetentionDeclared e) => this with { Retention = e.Retention };

    public Vendor Apply(VendorSecretRotated e) => this with { SecretRotatedAt = e.RotatedAt };

    public Vendor Apply(VendorSuspended e) => this with { Status = VendorStatus.Suspended, SuspendedAt = e.SuspendedAt, SuspensionReason = e.Reason };

    public Vendor Apply(VendorReactivated e) => this with { Status = VendorStatus.Active, SuspendedAt = null, SuspensionReason = null };

    public Vendor Apply(VendorWebhookChanged e) => this with { WebhookUrl = e.Url };

    public Vendor Apply(VendorRedirectUrisChanged e) => this with { RedirectUris = e.RedirectUris };

    public Vendor Apply(VendorWebhookSecretRotated e) => this;
}

/// <summary>The pure decisions on vendors; each use case's <c>Decide</c> lives in its own file.</summary>
public static partial class VendorDecider
{
    public static string Name(VendorStatus status) => status.ToString().ToLowerInvariant();
}
