using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using CustomerVault.Profiles;

namespace CustomerVault.Consents;

// A grant's stream: access a customer gave a vendor (answering a request, or on her own initiative), for one
// purpose, until it expires, she narrows or revokes it, or the vendor relinquishes it.

public sealed record AccessGranted(
    Guid GrantId, Guid VendorId, Guid CustomerId, Guid? RequestId, IReadOnlyList<string> Scopes, string Purpose, string Description,
    ContactTerms? ContactTerms, DateTimeOffset GrantedAt, DateTimeOffset ExpiresAt);

public sealed record GrantNarrowed(Guid GrantId, IReadOnlyList<string> RemovedScopes, IReadOnlyList<string> Scopes, DateTimeOffset NarrowedAt);

public sealed record GrantRevoked(Guid GrantId, string? Reason, DateTimeOffset RevokedAt);

public sealed record GrantRelinquished(Guid GrantId, string? Reason, DateTimeOffset RelinquishedAt);

public sealed record GrantExpired(Guid GrantId, DateTimeOffset ExpiredAt);

public enum GrantStatus
{
    Active,
    Revoked,
    Relinquished,
    Expired,
}

public sealed record Grant(
    Guid Id, Guid VendorId, Guid CustomerId, Guid? RequestId, IReadOnlyList<string> Scopes, string Purpose, string Description,
    ContactTerms? ContactTerms, DateTimeOffset GrantedAt, DateTimeOffset ExpiresAt, GrantStatus Status, DateTimeOffset? EndedAt, string? EndReason)
{
    public long Version { get; set; }

    /// <summary>The status at a moment: an active grant past its expiry is expired, recorded or not.</summary>
    public GrantStatus StatusAt(DateTimeOffset now) => Status == GrantStatus.Active && now >= ExpiresAt ? GrantStatus.Expired : Status;

    public bool IsActiveAt(DateTimeOffset now) => StatusAt(now) == GrantStatus.Active;

    public static Grant Create(AccessGranted e) => new(
        e.GrantId, e.VendorId, e.CustomerId, e.RequestId, e.Scopes, e.Purpose, e.Description, e.ContactTerms, e.GrantedAt, e.ExpiresAt,
        GrantStatus.Active, null, null);

    public Grant Apply(GrantNarrowed e) => this with { Scopes = e.Scopes };

    public Grant Apply(GrantRevoked e) => this with { Status = GrantStatus.Revoked, EndedAt = e.RevokedAt, EndReason = e.Reason };

    public Grant Apply(GrantRelinquished e) => this with { Status = GrantStatus.Relinquished, EndedAt = e.RelinquishedAt, EndReason = e.Reason };

    public Grant Apply(GrantExpired e) => this with { Status = GrantStatus.Expired, EndedAt = e.ExpiredAt };
}

/// <summary>The customer grants a vendor access on her own initiative, with no request.</summary>
public sealed record GrantAccess(
    Guid GrantId, Guid CustomerId, Guid VendorId, IReadOnlyList<string> VendorScopeCeiling, IReadOnlyList<string>? Scopes, string? Purpose,
    string? Description, DateTimeOffset? ExpiresAt, ContactTerms? ContactTerms, DateTimeOffset Now);

public sealed record NarrowGrant(IReadOnlyList<string>? RemoveScopes, DateTimeOffset Now);

public sealed record RevokeGrant(string? Reason, DateTimeOffset Now);

public sealed record RelinquishGrant(string? Reason, DateTimeOffset Now);

public sealed record ExpireGrant(DateTimeOffset Now);

public static class GrantDecider
{
    public static AccessGranted Decide(GrantAccess command)
    {
        var errors = new ValidationContext(DateOnly.FromDateTime(command.Now.UtcDateTime));
        ScopeRules.Validate(command.Scopes, "scopes", errors, command.VendorScopeCeiling, "the scopes this vendor is registered for");
        if (!Purposes.IsKnown(command.Purpose))
        {
            errors.Add("purpose", $"must be one of {string.Join(", ", Purposes.All)}.");
        }

        if (command.Description is { Length: > AccessRequestDecider.MaxDescriptionLength })
        {
            errors.Add("description", $"must be at most {AccessRequestDecider.MaxDescriptionLength} characters.");
        }

        if (command.ExpiresAt is not { } expiresAt)
        {
            errors.Add("expiresAt", "is required: every grant ends.");
        }
        else if (expiresAt <= command.Now || expiresAt > command.Now.AddYears(2))
        {
            errors.Add("expiresAt", "must be in the future and at most two years from now.");
        }

        ContactTerms.Validate(command.ContactTerms, "contactTerms", errors);
        errors.ThrowIfInvalid();

        return new AccessGranted(command.GrantId, command.VendorId, command.CustomerId, null, command.Scopes!, command.Purpose!,
            command.Description?.Trim() ?? "", command.ContactTerms, command.Now, Infrastructure.VaultTime.Truncate(command.ExpiresAt!.Value));
    }

    public static GrantNarrowed Decide(NarrowGrant command, Grant grant)
    {
        EnsureActive(grant, command.Now, "narrowed");
        var errors = new ValidationContext(DateOnly.FromDateTime(command.Now.UtcDateTime));
        ScopeRules.Validate(command.RemoveScopes, "removeScopes", errors, grant.Scopes, "the scopes of this grant");
        if (!errors.HasErrors && command.RemoveScopes!.Count == grant.Scopes.Count)
        {
            errors.Add("removeScopes", "would remove every scope; revoke the grant instead.");
        }

        errors.ThrowIfInvalid();

        var remaining = grant.Scopes.Except(command.RemoveScopes!, StringComparer.Ordinal).ToList();
        return new GrantNarrowed(grant.Id, command.RemoveScopes!, remaining, command.Now);
    }

    public static GrantRevoked Decide(RevokeGrant command, Grant grant)
    {
        EnsureActive(grant, command.Now, "revoked");
        return new GrantRevoked(grant.Id, Reason(command.Reason), command.Now);
    }

    public static GrantRelinquished Decide(RelinquishGrant command, Grant grant)
    {
        EnsureActive(grant, command.Now, "relinquished");
        return new GrantRelinquished(grant.Id, Reason(command.Reason), command.Now);
    }

    public static GrantExpired Decide(ExpireGrant command, Grant grant) =>
        grant.Status == GrantStatus.Active && command.Now >= grant.ExpiresAt
            ? new GrantExpired(grant.Id, grant.ExpiresAt)
            : throw new ConflictException("Only an active grant past its expiry expires.", StatusName(grant.StatusAt(command.Now)));

    public static string StatusName(GrantStatus status) => status.ToString().ToLowerInvariant();

    private static void EnsureActive(Grant grant, DateTimeOffset now, string verb)
    {
        var status = grant.StatusAt(now);
        if (status != GrantStatus.Active)
        {
            throw new ConflictException($"The grant is {StatusName(status)}; only an active grant can be {verb}.", StatusName(status));
        }
    }

    private static string? Reason(string? reason) => reason switch
    {
        null or { Length: 0 } => null,
        { Length: > AccessRequestDecider.MaxReasonLength } => throw RequestValidationException.For("reason", $"must be at most {AccessRequestDecider.MaxReasonLength} characters."),
        _ => reason.Trim(),
    };
}
