using CustomerVault.Vendors;
using Marten;

namespace CustomerVault.Consents;

/// <param name="CustomerId">The customer: your id for her (a vendor's pairwise id; her vault id in her own views); absent once she erased her account.</param>
/// <param name="AnswerBy">When an unanswered request expires.</param>
/// <param name="Duration">How long the vendor asked to keep access (ISO 8601), counted from the approval.</param>
/// <param name="GrantId">The grant the approval started, or changed when the request extends one.</param>
/// <param name="ExtendsGrantId">The grant approving changes instead of starting another; absent for a new grant.</param>
public sealed record AccessRequestView(
    Guid Id, VendorSummary Vendor, Guid? CustomerId, string Status, IReadOnlyList<string> Scopes, string Purpose, string Description,
    string Duration, ContactTerms? ContactTerms, DateTimeOffset RequestedAt, DateTimeOffset AnswerBy, DateTimeOffset? DecidedAt,
    Guid? GrantId, IReadOnlyList<string>? ApprovedScopes, string? DenialReason, Guid? ExtendsGrantId)
{
    public static AccessRequestView Of(AccessRequest r, Vendor? vendor, Guid? customerId, DateTimeOffset now) => new(
        r.Id, VendorSummary.Of(vendor, r.VendorId), customerId, AccessRequestDecider.StatusName(r.StatusAt(now)), r.Scopes, r.Purpose,
        r.Description, r.Duration, r.ContactTerms, r.RequestedAt, r.AnswerBy, r.DecidedAt ?? (r.StatusAt(now) == AccessRequestStatus.Expired ? r.AnswerBy : null),
        r.GrantId, r.ApprovedScopes, r.DenialReason, r.ExtendsGrantId);
}

public static class AccessRequestReads
{
    /// <summary>The requests as one of their parties sees them, with their vendors and customers looked up in one query each.</summary>
    public static async Task<IReadOnlyList<AccessRequestView>> ViewsAsync(
        this IQuerySession session, Party viewer, IReadOnlyList<AccessRequest> requests, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var vendors = await session.VendorsAsync(requests.Select(r => r.VendorId), cancellationToken);
        var customers = await viewer.CustomerIdsAsync(session, requests, cancellationToken);
        return requests.Select(r => AccessRequestView.Of(r, vendors.GetValueOrDefault(r.VendorId), Known(customers, r.CustomerId), now)).ToList();
    }

    internal static Guid? Known(IReadOnlyDictionary<Guid, Guid> customers, Guid customerId) => customers.TryGetValue(customerId, out var id) ? id : null;

    /// <summary>Requests whose status, counting expiry by the clock, is <paramref name="status"/>.</summary>
    public static IQueryable<AccessRequest> WithStatus(this IQueryable<AccessRequest> requests, AccessRequestStatus? status, DateTimeOffset now) => status switch
    {
        null => requests,
        AccessRequestStatus.Pending => requests.Where(r => r.Status == AccessRequestStatus.Pending && r.AnswerBy > now),
        AccessRequestStatus.Expired => requests.Where(r => r.Status == AccessRequestStatus.Expired || (r.Status == AccessRequestStatus.Pending && r.AnswerBy <= now)),
        var other => requests.Where(r => r.Status == other),
    };
}
