using CustomerVault.Vendors;
using Marten;

namespace CustomerVault.Consents;

/// <param name="CustomerId">The customer: your id for her (a vendor's pairwise id; her vault id in her own views); absent once she erased her account.</param>
/// <param name="Status">active, paused (its purpose asks the customer to reconfirm, and she has not yet: nothing is read until she confirms), revoked (by the customer), relinquished (by the vendor), expired, or suspended (while its vendor is suspended).</param>
/// <param name="RequestId">The request this grant answered; absent when the customer granted access on her own initiative.</param>
/// <param name="ReviewedAt">When the customer last reviewed the grant: granted, extended or confirmed it.</param>
/// <param name="PausedAt">When the grant paused for want of her confirmation; absent unless it is paused.</param>
public sealed record GrantView(
    Guid Id, VendorSummary Vendor, Guid? CustomerId, Guid? RequestId, string Status, IReadOnlyList<string> Scopes, string Purpose,
    string Description, ContactTerms? ContactTerms, DateTimeOffset GrantedAt, DateTimeOffset ExpiresAt, DateTimeOffset? EndedAt, string? EndReason,
    DateTimeOffset ReviewedAt, DateTimeOffset? PausedAt)
{
    public static GrantView Of(Grant g, Vendor? vendor, Guid? customerId, DateTimeOffset now)
    {
        var status = g.StatusAt(now);
        var shown = status == GrantStatus.Active && vendor?.Status == VendorStatus.Suspended ? "suspended" : GrantDecider.StatusName(g, now);
        return new GrantView(g.Id, VendorSummary.Of(vendor, g.VendorId), customerId, g.RequestId, shown, g.Scopes, g.Purpose, g.Description,
            g.ContactTerms, g.GrantedAt, g.ExpiresAt, g.EndedAt ?? (status == GrantStatus.Expired ? g.ExpiresAt : null), g.EndReason,
            g.LastReviewedAt, g.IsPausedAt(now) ? g.PausedAt : null);
    }
}

public static class GrantReads
{
    /// <summary>The grants as one of their parties sees them, with their vendors and customers looked up in one query each.</summary>
    public static async Task<IReadOnlyList<GrantView>> ViewsAsync(
        this IQuerySession session, Party viewer, IReadOnlyList<Grant> grants, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var vendors = await session.VendorsAsync(grants.Select(g => g.VendorId), cancellationToken);
        var customers = await viewer.CustomerIdsAsync(session, grants, cancellationToken);
        return grants.Select(g => GrantView.Of(g, vendors.GetValueOrDefault(g.VendorId), AccessRequestReads.Known(customers, g.CustomerId), now)).ToList();
    }

    /// <summary>Grants whose status, counting expiry by the clock, is <paramref name="status"/>.</summary>
    public static IQueryable<Grant> WithStatus(this IQueryable<Grant> grants, GrantStatus? status, DateTimeOffset now) => status switch
    {
        null => grants,
        GrantStatus.Active => grants.Where(g => g.Status == GrantStatus.Active && g.ExpiresAt > now),
        GrantStatus.Expired => grants.Where(g => g.Status == GrantStatus.Expired || (g.Status == GrantStatus.Active && g.ExpiresAt <= now)),
        var other => grants.Where(g => g.Status == other),
    };
}
