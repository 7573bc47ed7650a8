using CustomerVault.Infrastructure.Http;

namespace CustomerVault.Consents;

// An access request's stream: a vendor asks, the customer approves (all or some scopes), denies, or lets it expire.
// Each use case is a file of its own beside this one (RequestAccess, ApproveRequest, DenyRequest), with its part of
// AccessRequestDecider; expiry is recorded by the ExpirySweeper.

/// <param name="ExtendsGrantId">A grant of the vendor's with her that approving changes (to what she approves, until the new end) instead of starting another.</param>
public sealed record AccessRequested(
    Guid RequestId, Guid VendorId, Guid CustomerId, IReadOnlyList<string> Scopes, string Purpose, string Description,
    string Duration, ContactTerms? ContactTerms, DateTimeOffset RequestedAt, DateTimeOffset AnswerBy, Guid? ExtendsGrantId = null);

public sealed record AccessRequestApproved(Guid RequestId, Guid GrantId, IReadOnlyList<string> Scopes, DateTimeOffset GrantExpiresAt, DateTimeOffset ApprovedAt);

public sealed record AccessRequestDenied(Guid RequestId, string? Reason, DateTimeOffset DeniedAt);

public sealed record AccessRequestExpired(Guid RequestId, DateTimeOffset ExpiredAt);

public enum AccessRequestStatus
{
    Pending,
    Approved,
    Denied,
    Expired,
}

public sealed record AccessRequest(
    Guid Id, Guid VendorId, Guid CustomerId, IReadOnlyList<string> Scopes, string Purpose, string Description, string Duration,
    ContactTerms? ContactTerms, DateTimeOffset RequestedAt, DateTimeOffset AnswerBy, AccessRequestStatus Status,
    DateTimeOffset? DecidedAt, Guid? GrantId, IReadOnlyList<string>? ApprovedScopes, string? DenialReason, Guid? ExtendsGrantId = null) : IConsent
{
    public long Version { get; set; }

    /// <summary>The status at a moment: a pending request whose answer-by time has passed is expired, recorded or not.</summary>
    public AccessRequestStatus StatusAt(DateTimeOffset now) =>
        Status == AccessRequestStatus.Pending && now >= AnswerBy ? AccessRequestStatus.Expired : Status;

    public static AccessRequest Create(AccessRequested e) => new(
        e.RequestId, e.VendorId, e.CustomerId, e.Scopes, e.Purpose, e.Description, e.Duration, e.ContactTerms,
        e.RequestedAt, e.AnswerBy, AccessRequestStatus.Pending, null, null, null, null, e.ExtendsGrantId);

    public AccessRequest Apply(AccessRequestApproved e) =>
        this with { Status = AccessRequestStatus.Approved, DecidedAt = e.ApprovedAt, GrantId = e.GrantId, ApprovedScopes = e.Scopes };

    public AccessRequest Apply(AccessRequestDenied e) =>
        this with { Status = AccessRequestStatus.Denied, DecidedAt = e.DeniedAt, DenialReason = e.Reason };

    public AccessRequest Apply(AccessRequestExpired e) =>
        this with { Status = AccessRequestStatus.Expired, DecidedAt = e.ExpiredAt };
}

/// <summary>The pure decisions on access requests; each use case's <c>Decide</c> lives in its own file.</summary>
public static partial class AccessRequestDecider
{
    public const int MaxDescriptionLength = 2000;
    public const int MaxReasonLength = 500;

    public static string StatusName(AccessRequestStatus status) => status.ToString().ToLowerInvariant();

    private static void EnsurePending(AccessRequest request, DateTimeOffset now, string verb)
    {
        var status = request.StatusAt(now);
        if (status != AccessRequestStatus.Pending)
        {
            throw new ConflictException($"The request is {StatusName(status)}; only a pending request can be {verb}.", StatusName(status));
        }
    }
}
