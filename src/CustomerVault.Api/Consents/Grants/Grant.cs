using CustomerVault.Infrastructure.Http;

namespace CustomerVault.Consents;

// A grant's stream: access a customer gave a vendor (answering a request, or on her own initiative), for one
// purpose, until it expires, she narrows or revokes it, or the vendor relinquishes it. Each use case is a file of its
// own beside this one (GrantAccess, NarrowGrant, EndContact, RevokeGrant, RelinquishGrant), with its part of GrantDecider; an
// approval (ApproveRequest) starts a grant, or extends one when its request says so; expiry is recorded by the ExpirySweeper.

public sealed record AccessGranted(
    Guid GrantId, Guid VendorId, Guid CustomerId, Guid? RequestId, IReadOnlyList<string> Scopes, string Purpose, string Description,
    ContactTerms? ContactTerms, DateTimeOffset GrantedAt, DateTimeOffset ExpiresAt);

/// <summary>She approved a request that extends the grant: it now covers what she approved, on that request's terms, until the new end.</summary>
public sealed record GrantExtended(
    Guid GrantId, Guid RequestId, IReadOnlyList<string> Scopes, string Description, ContactTerms? ContactTerms, DateTimeOffset ExpiresAt,
    DateTimeOffset ExtendedAt);

public sealed record GrantNarrowed(Guid GrantId, IReadOnlyList<string> RemovedScopes, IReadOnlyList<string> Scopes, DateTimeOffset NarrowedAt);

public sealed record GrantRevoked(Guid GrantId, string? Reason, DateTimeOffset RevokedAt);

public sealed record GrantRelinquished(Guid GrantId, string? Reason, DateTimeOffset RelinquishedAt);

public sealed record GrantExpired(Guid GrantId, DateTimeOffset ExpiredAt);

/// <param name="Reason">stopped (she said so), unsubscribed (the link in a message), reported-unwanted (she reported a message).</param>
/// <param name="MessageId">The message that led to it, when one did.</param>
public sealed record GrantContactEnded(Guid GrantId, string Reason, Guid? MessageId, DateTimeOffset EndedAt);

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
    : IConsent
{
    public long Version { get; set; }

    /// <summary>The status at a moment: an active grant past its expiry is expired, recorded or not.</summary>
    public GrantStatus StatusAt(DateTimeOffset now) => Status == GrantStatus.Active && now >= ExpiresAt ? GrantStatus.Expired : Status;

    public bool IsActiveAt(DateTimeOffset now) => StatusAt(now) == GrantStatus.Active;

    public static Grant Create(AccessGranted e) => new(
        e.GrantId, e.VendorId, e.CustomerId, e.RequestId, e.Scopes, e.Purpose, e.Description, e.ContactTerms, e.GrantedAt, e.ExpiresAt,
        GrantStatus.Active, null, null);

    public Grant Apply(GrantExtended e) => this with { Scopes = e.Scopes, Description = e.Description, ContactTerms = e.ContactTerms, ExpiresAt = e.ExpiresAt };

    public Grant Apply(GrantNarrowed e) => this with { Scopes = e.Scopes };

    // The grant stands; only the vendor's permission to contact her under it ends.
    public Grant Apply(GrantContactEnded e) => this with { ContactTerms = null };

    public Grant Apply(GrantRevoked e) => this with { Status = GrantStatus.Revoked, EndedAt = e.RevokedAt, EndReason = e.Reason };

    public Grant Apply(GrantRelinquished e) => this with { Status = GrantStatus.Relinquished, EndedAt = e.RelinquishedAt, EndReason = e.Reason };

    public Grant Apply(GrantExpired e) => this with { Status = GrantStatus.Expired, EndedAt = e.ExpiredAt };
}

/// <summary>The pure decisions on grants; each use case's <c>Decide</c> lives in its own file.</summary>
public static partial class GrantDecider
{
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
