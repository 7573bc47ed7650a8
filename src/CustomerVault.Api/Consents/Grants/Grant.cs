using CustomerVault.Infrastructure.Http;

namespace CustomerVault.Consents;

// A grant's stream: access a customer gave a vendor (answering a request, or on her own initiative), for one
// purpose, until it expires, she narrows or revokes it, or the vendor relinquishes it. Each use case is a file of its
// own beside this one (GrantAccess, NarrowGrant, EndContact, RevokeGrant, RelinquishGrant), with its part of GrantDecider; an
// approval (ApproveRequest) starts a grant, or extends one when its request says so; expiry is recorded by the ExpirySweeper.
// Once a grant ends, or a narrowing removes scopes, the vendor confirms what it did with the data it holds (ConfirmDeletion).

public sealed record AccessGranted(
    Guid GrantId, Guid VendorId, Guid CustomerId, Guid? RequestId, IReadOnlyList<string> Scopes, string Purpose, string Description,
    ContactTerms? ContactTerms, DateTimeOffset GrantedAt, DateTimeOffset ExpiresAt);

/// <summary>She approved a request that extends the grant: it now covers what she approved, on that request's terms, until the new end.</summary>
public sealed record GrantExtended(
    Guid GrantId, Guid RequestId, IReadOnlyList<string> Scopes, string Description, ContactTerms? ContactTerms, DateTimeOffset ExpiresAt,
    DateTimeOffset ExtendedAt);

public sealed record GrantNarrowed(Guid GrantId, IReadOnlyList<string> RemovedScopes, IReadOnlyList<string> Scopes, DateTimeOffset NarrowedAt);

/// <param name="Reason">Her own words: shown to her only, never to the vendor.</param>
/// <param name="ReasonCode">Why she revoked, from <see cref="RevocationReasons"/>; the vendor sees it only counted with others' in its scorecard.</param>
public sealed record GrantRevoked(Guid GrantId, string? Reason, DateTimeOffset RevokedAt, string? ReasonCode = null);

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

/// <summary>The vendor states what it did with the data it held under the grant: <c>deleted</c> or <c>de-identified</c>, for these scopes, at that time.</summary>
/// <param name="Final">Whether the grant had ended when it was confirmed (the one confirmation of what remained); otherwise it covers scopes a narrowing removed.</param>
public sealed record GrantDeletionConfirmed(
    Guid GrantId, string Outcome, IReadOnlyList<string> Scopes, DateTimeOffset PerformedAt, DateTimeOffset ConfirmedAt, bool Final);

/// <summary>Scopes a narrowing took away, and when: the vendor owes a confirmation of their deletion from then on.</summary>
public sealed record ScopeRemoval(IReadOnlyList<string> Scopes, DateTimeOffset RemovedAt);

/// <summary>A confirmation of deletion as the grant keeps it.</summary>
public sealed record DeletionRecord(string Outcome, IReadOnlyList<string> Scopes, DateTimeOffset PerformedAt, DateTimeOffset ConfirmedAt, bool Final);

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

    /// <summary>Her reason code when she revoked it.</summary>
    public string? EndReasonCode { get; init; }

    /// <summary>Scopes narrowings removed whose deletion is not confirmed yet.</summary>
    public IReadOnlyList<ScopeRemoval> Removals { get; init; } = [];

    /// <summary>The vendor's confirmations of deletion, oldest first.</summary>
    public IReadOnlyList<DeletionRecord> Deletions { get; init; } = [];

    /// <summary>When the grant ended, counting expiry by the clock; null while it is active.</summary>
    /// <remarks>An expired grant ended at its deadline, whenever the sweeper recorded it.</remarks>
    public DateTimeOffset? EndedAtOrExpiry(DateTimeOffset now) => StatusAt(now) switch
    {
        GrantStatus.Active => null,
        GrantStatus.Expired => ExpiresAt,
        _ => EndedAt ?? ExpiresAt,
    };

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

    // Approving an extension is a review of the grant, and a consent given anew: a paused grant resumes. A scope granted
    // again is held again: its earlier removal no longer calls for a confirmation of deletion.
    public Grant Apply(GrantExtended e) => this with
    {
        Scopes = e.Scopes, Description = e.Description, ContactTerms = e.ContactTerms, ExpiresAt = e.ExpiresAt, ReviewedAt = e.ExtendedAt, PausedAt = null,
        Removals = [.. Removals.Select(r => r with { Scopes = [.. r.Scopes.Except(e.Scopes, StringComparer.Ordinal)] }).Where(r => r.Scopes.Count > 0)],
    };

    public Grant Apply(GrantConfirmed e) => this with { ReviewedAt = e.ConfirmedAt, PausedAt = null };

    public Grant Apply(GrantReviewReminded e) => this with { RemindedAt = e.RemindedAt };

    public Grant Apply(GrantPaused e) => this with { PausedAt = e.PausedAt };

    public Grant Apply(GrantNarrowed e) => this with { Scopes = e.Scopes, Removals = [.. Removals, new ScopeRemoval(e.RemovedScopes, e.NarrowedAt)] };

    public Grant Apply(GrantDeletionConfirmed e) => this with
    {
        Deletions = [.. Deletions, new DeletionRecord(e.Outcome, e.Scopes, e.PerformedAt, e.ConfirmedAt, e.Final)],
        Removals = e.Final ? [] : [.. Removals.Select(r => r with { Scopes = [.. r.Scopes.Except(e.Scopes, StringComparer.Ordinal)] }).Where(r => r.Scopes.Count > 0)],
    };

    // The grant stands; only the vendor's permission to contact her under it ends.
    public Grant Apply(GrantContactEnded e) => this with { ContactTerms = null };

    public Grant Apply(GrantRevoked e) => this with { Status = GrantStatus.Revoked, EndedAt = e.RevokedAt, EndReason = e.Reason, EndReasonCode = e.ReasonCode };

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
