using CustomerVault.Infrastructure.Http;

namespace CustomerVault.Vendors;

// A vendor's stream: its registration, secret rotations and suspensions. The OAuth client it uses lives in the
// identity store; the secret never appears in an event, only the fact that it was rotated.

public sealed record VendorRegistered(
    Guid VendorId, string ClientId, string DisplayName, string? Website, string ContactEmail,
    IReadOnlyList<string> Scopes, string? WebhookUrl, DateTimeOffset RegisteredAt);

public sealed record VendorSecretRotated(Guid VendorId, DateTimeOffset RotatedAt);

public sealed record VendorSuspended(Guid VendorId, string? Reason, DateTimeOffset SuspendedAt);

public sealed record VendorReactivated(Guid VendorId, DateTimeOffset ReactivatedAt);

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
    DateTimeOffset? SecretRotatedAt)
{
    public long Version { get; set; }

    public static Vendor Create(VendorRegistered e) =>
        new(e.VendorId, e.ClientId, e.DisplayName, e.Website, e.ContactEmail, e.Scopes, e.WebhookUrl, VendorStatus.Active, e.RegisteredAt, null, null, null);

    public Vendor Apply(VendorSecretRotated e) => this with { SecretRotatedAt = e.RotatedAt };

    public Vendor Apply(VendorSuspended e) => this with { Status = VendorStatus.Suspended, SuspendedAt = e.SuspendedAt, SuspensionReason = e.Reason };

    public Vendor Apply(VendorReactivated e) => this with { Status = VendorStatus.Active, SuspendedAt = null, SuspensionReason = null };

    public Vendor Apply(VendorWebhookChanged e) => this with { WebhookUrl = e.Url };

    public Vendor Apply(VendorWebhookSecretRotated e) => this;
}

public sealed record SuspendVendor(string? Reason, DateTimeOffset Now);

public sealed record ReactivateVendor(DateTimeOffset Now);

public sealed record RotateVendorSecret(DateTimeOffset Now);

public static class VendorDecider
{
    public static VendorSuspended Decide(SuspendVendor command, Vendor vendor) => vendor.Status switch
    {
        VendorStatus.Active => new VendorSuspended(vendor.Id, command.Reason, command.Now),
        _ => throw new ConflictException("The vendor is already suspended.", Name(vendor.Status)),
    };

    public static VendorReactivated Decide(ReactivateVendor command, Vendor vendor) => vendor.Status switch
    {
        VendorStatus.Suspended => new VendorReactivated(vendor.Id, command.Now),
        _ => throw new ConflictException("The vendor is active; only a suspended vendor can be reactivated.", Name(vendor.Status)),
    };

    public static VendorSecretRotated Decide(RotateVendorSecret command, Vendor vendor) => new VendorSecretRotated(vendor.Id, command.Now);

    public static string Name(VendorStatus status) => status.ToString().ToLowerInvariant();
}
