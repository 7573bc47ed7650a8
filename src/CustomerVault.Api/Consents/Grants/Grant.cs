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

/// <summary>
/// She confirmed she keeps sharing (one click in her portal, or her app): her last review is now. A grant paused for
/// want of confirmation resumes (<paramref name="Resumed"/>).
/// </summary>
public sealed record GrantConfirmed(Guid GrantId, bool Resumed, DateTimeOffset ConfirmedAt);

/// <summary>The vault reminded her that she still shares, <paramref name="MessageId"/> in her inbox, since her review at <paramref name="ReviewedAt"/>.</summary>
/// <param name="PausesAt">When the grant pauses unless she confirms it; absent when its purpose needs no reconfirmation.</param>
public sealed record GrantReviewReminded(Guid GrantId, Guid MessageId, DateTimeOffset ReviewedAt, DateTimeOffset? PausesAt, DateTimeOffset RemindedAt);

/// <summary>She did not confirm the grant within its purpose's reconfirmation period since <paramref name="ReviewedAt"/>: reads stop until she does.</summary>
public sealed record GrantPaused(Guid GrantId, DateTimeOffset ReviewedAt, DateTimeOffset PausedAt);

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
    ContactTerms? ContactTerms, DateTimeOffset GrantedAt, DateTimeOffset ExpiresAt, GrantStatus Status, DateTimeOffset? EndedAt, string? EndReason,
    DateTimeOffset? ReviewedAt = null, DateTimeOffset? RemindedAt = null, DateTimeOffset? PausedAt = null)
    : IConsent
{
    public long Version { get; set; }

    /// <summary>The status at a moment: an active grant past its expiry is expired, recorded or not.</summary>
    public GrantStatus StatusAt(DateTimeOffset now) => Status == GrantStatus.Active && now >= ExpiresAt ? GrantStatus.Expired : Status;

    public bool IsActiveAt(DateTimeOffset now) => StatusAt(now) == GrantStatus.Active;

    /// <summary>When she last reviewed the grant: granted, extended or confirmed it (grants stored before reviews were recorded: when granted).</summary>
    public DateTimeOffset LastReviewedAt => ReviewedAt ?? GrantedAt;

    /// <summary>Active, but paused until she confirms it: it stands, and nothing is read under it.</summary>
    public bool IsPausedAt(DateTimeOffset now) => PausedAt is not null && IsActiveAt(now);

    public static Grant Create(AccessGranted e) => new(
        e.GrantId, e.VendorId, e.CustomerId, e.RequestId, e.Scopes, e.Purpose, e.Description, e.ContactTerms, e.GrantedAt, e.ExpiresAt,
        GrantStatus.Active, null, null, e.GrantedAt);

    // Approving an extension is a review of the grant, and a consent given anew: a paused grant resumes.
    public Grant Apply(GrantExtended e) => this with
    {
        Scopes = e.Scopes, Description = e.Description, ContactTerms = e.ContactTerms, ExpiresAt = e.ExpiresAt, ReviewedAt = e.ExtendedAt, PausedAt = null,
    };

    public Grant Apply(GrantConfirmed e) => this with { ReviewedAt = e.ConfirmedAt, PausedAt = null };

    public Grant Apply(GrantReviewReminded e) => this with { RemindedAt = e.RemindedAt };

    public Grant Apply(GrantPaused e) => this with { PausedAt = e.PausedAt };

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

    /// <summary>The status as its parties read it: a paused grant is active in the store, and "paused" to them.</summary>
    public static string StatusName(Grant grant, DateTimeOffset now) => grant.IsPausedAt(now) ? "paused" : StatusName(grant.StatusAt(now));

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
