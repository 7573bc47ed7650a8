using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using CustomerVault.Profiles;

namespace CustomerVault.Consents;

// An access request's stream: a vendor asks, the customer approves (all or some scopes), denies, or lets it expire.

public sealed record AccessRequested(
    Guid RequestId, Guid VendorId, Guid CustomerId, IReadOnlyList<string> Scopes, string Purpose, string Description,
    string Duration, ContactTerms? ContactTerms, DateTimeOffset RequestedAt, DateTimeOffset AnswerBy);

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
    DateTimeOffset? DecidedAt, Guid? GrantId, IReadOnlyList<string>? ApprovedScopes, string? DenialReason)
{
    public long Version { get; set; }

    /// <summary>The status at a moment: a pending request whose answer-by time has passed is expired, recorded or not.</summary>
    public AccessRequestStatus StatusAt(DateTimeOffset now) =>
        Status == AccessRequestStatus.Pending && now >= AnswerBy ? AccessRequestStatus.Expired : Status;

    public static AccessRequest Create(AccessRequested e) => new(
        e.RequestId, e.VendorId, e.CustomerId, e.Scopes, e.Purpose, e.Description, e.Duration, e.ContactTerms,
        e.RequestedAt, e.AnswerBy, AccessRequestStatus.Pending, null, null, null, null);

    public AccessRequest Apply(AccessRequestApproved e) =>
        this with { Status = AccessRequestStatus.Approved, DecidedAt = e.ApprovedAt, GrantId = e.GrantId, ApprovedScopes = e.Scopes };

    public AccessRequest Apply(AccessRequestDenied e) =>
        this with { Status = AccessRequestStatus.Denied, DecidedAt = e.DeniedAt, DenialReason = e.Reason };

    public AccessRequest Apply(AccessRequestExpired e) =>
        this with { Status = AccessRequestStatus.Expired, DecidedAt = e.ExpiredAt };
}

public sealed record RequestAccess(
    Guid RequestId, Guid VendorId, IReadOnlyList<string> VendorScopeCeiling, Guid CustomerId, IReadOnlyList<string>? Scopes,
    string? Purpose, string? Description, string? Duration, ContactTerms? ContactTerms, TimeSpan AnswerWithin, DateTimeOffset Now);

public sealed record ApproveRequest(IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt, Guid GrantId, DateTimeOffset Now);

public sealed record DenyRequest(string? Reason, DateTimeOffset Now);

public sealed record ExpireRequest(DateTimeOffset Now);

/// <summary>An approval changes two streams: the request is answered, and a grant begins.</summary>
public sealed record Approval(AccessRequestApproved Approved, AccessGranted Granted);

public static class AccessRequestDecider
{
    public const int MaxDescriptionLength = 2000;
    public const int MaxReasonLength = 500;

    public static AccessRequested Decide(RequestAccess command)
    {
        var errors = new ValidationContext(DateOnly.FromDateTime(command.Now.UtcDateTime));
        ScopeRules.Validate(command.Scopes, "scopes", errors, command.VendorScopeCeiling, "the scopes this vendor is registered for");
        if (!Purposes.IsKnown(command.Purpose))
        {
            errors.Add("purpose", $"must be one of {string.Join(", ", Purposes.All)}.");
        }

        if (string.IsNullOrWhiteSpace(command.Description) || command.Description.Length > MaxDescriptionLength)
        {
            errors.Add("description", $"must say, in 1 to {MaxDescriptionLength} characters, what the data will be used for.");
        }

        if (!IsoDuration.TryParse(command.Duration, out var duration))
        {
            errors.Add("duration", "must be an ISO 8601 duration such as P6M or P1Y.");
        }
        else if (!duration.IsAcceptableFrom(command.Now))
        {
            errors.Add("duration", "must be longer than nothing and at most two years (P2Y).");
        }

        ContactTerms.Validate(command.ContactTerms, "contactTerms", errors);
        errors.ThrowIfInvalid();

        return new AccessRequested(
            command.RequestId, command.VendorId, command.CustomerId, command.Scopes!, command.Purpose!, command.Description!.Trim(),
            command.Duration!, command.ContactTerms, command.Now, command.Now + command.AnswerWithin);
    }

    public static Approval Decide(ApproveRequest command, AccessRequest request)
    {
        EnsurePending(request, command.Now, "approved");

        var errors = new ValidationContext(DateOnly.FromDateTime(command.Now.UtcDateTime));
        var scopes = command.Scopes ?? request.Scopes;
        ScopeRules.Validate(scopes, "scopes", errors, request.Scopes, "the scopes that were requested");

        IsoDuration.TryParse(request.Duration, out var duration);
        var latest = duration.AddTo(command.Now);
        var expiresAt = command.ExpiresAt is { } chosen ? Infrastructure.VaultTime.Truncate(chosen) : latest;
        if (expiresAt > latest)
        {
            errors.Add("expiresAt", $"cannot be later than the requested duration allows ({latest:O}).");
        }
        else if (expiresAt <= command.Now)
        {
            errors.Add("expiresAt", "must be in the future.");
        }

        errors.ThrowIfInvalid();
        return new Approval(
            new AccessRequestApproved(request.Id, command.GrantId, scopes, expiresAt, command.Now),
            new AccessGranted(command.GrantId, request.VendorId, request.CustomerId, request.Id, scopes, request.Purpose, request.Description,
                request.ContactTerms, command.Now, expiresAt));
    }

    public static AccessRequestDenied Decide(DenyRequest command, AccessRequest request)
    {
        EnsurePending(request, command.Now, "denied");
        if (command.Reason is { Length: > MaxReasonLength })
        {
            throw RequestValidationException.For("reason", $"must be at most {MaxReasonLength} characters.");
        }

        return new AccessRequestDenied(request.Id, string.IsNullOrWhiteSpace(command.Reason) ? null : command.Reason.Trim(), command.Now);
    }

    public static AccessRequestExpired Decide(ExpireRequest command, AccessRequest request) =>
        request.Status == AccessRequestStatus.Pending && command.Now >= request.AnswerBy
            ? new AccessRequestExpired(request.Id, request.AnswerBy)
            : throw new ConflictException("Only a pending request past its answer-by time expires.", StatusName(request.StatusAt(command.Now)));

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
