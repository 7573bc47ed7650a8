using CustomerVault.Vendors;
using Marten;

namespace CustomerVault.Consents;

/// <param name="CustomerId">The customer: your id for her (a vendor's pairwise id; her vault id in her own views); absent once she erased her account.</param>
/// <param name="Status">active, paused (its purpose asks the customer to reconfirm, and she has not yet: nothing is read until she confirms), revoked (by the customer), relinquished (by the vendor), expired, or suspended (while its vendor is suspended).</param>
/// <param name="RequestId">The request this grant answered; absent when the customer granted access on her own initiative.</param>
/// <param name="ReviewedAt">When the customer last reviewed the grant: granted, extended or confirmed it.</param>
/// <param name="PausedAt">When the grant paused for want of her confirmation; absent unless it is paused.</param>
/// <param name="EndReason">Why it ended: the vendor's words when it relinquished; when she revoked, her own words, shown to her only.</param>
/// <param name="EndReasonCode">Her reason code when she revoked (see RevokeGrant); shown to her only.</param>
/// <param name="Deletion">What the vendor confirmed it did with the data once the grant ended or a narrowing removed scopes; absent while nothing is owed.</param>
public sealed record GrantView(
    Guid Id, VendorSummary Vendor, Guid? CustomerId, Guid? RequestId, string Status, IReadOnlyList<string> Scopes, string Purpose,
    string Description, ContactTerms? ContactTerms, DateTimeOffset GrantedAt, DateTimeOffset ExpiresAt, DateTimeOffset? EndedAt, string? EndReason,
    DateTimeOffset ReviewedAt, DateTimeOffset? PausedAt, string? EndReasonCode = null, GrantDeletion? Deletion = null)
{
    public static GrantView Of(Grant g, Vendor? vendor, Guid? customerId, DateTimeOffset now, TimeSpan deletionPeriod, bool forVendor = false)
    {
        var status = g.StatusAt(now);
        var shown = status == GrantStatus.Active && vendor?.Status == VendorStatus.Suspended ? "suspended" : GrantDecider.StatusName(g, now);
        // Her reasons for revoking are hers: the vendor learns them only counted with other customers' (GET /v1/vendor/insights).
        var reason = forVendor && g.Status == GrantStatus.Revoked ? null : g.EndReason;
        return new GrantView(g.Id, VendorSummary.Of(vendor, g.VendorId), customerId, g.RequestId, shown, g.Scopes, g.Purpose, g.Description,
            g.ContactTerms, g.GrantedAt, g.ExpiresAt, g.EndedAt ?? (status == GrantStatus.Expired ? g.ExpiresAt : null), reason,
            g.LastReviewedAt, g.IsPausedAt(now) ? g.PausedAt : null,
            forVendor ? null : g.EndReasonCode, GrantDeletion.Of(g, now, deletionPeriod));
    }
}

/// <param name="Status">awaiting (the vendor still has time to confirm), not-confirmed (its time passed without a confirmation), or confirmed.</param>
/// <param name="DueBy">When the vendor should have confirmed by: the end of the grant (or the narrowing) plus the vault's confirmation period.</param>
/// <param name="Pending">Scopes whose deletion is owed and not confirmed yet.</param>
/// <param name="Confirmations">What the vendor confirmed, oldest first.</param>
public sealed record GrantDeletion(string Status, DateTimeOffset? DueBy, IReadOnlyList<string> Pending, IReadOnlyList<DeletionConfirmation> Confirmations)
{
    public const string Awaiting = "awaiting";
    public const string NotConfirmed = "not-confirmed";
    public const string Confirmed = "confirmed";

    public static GrantDeletion? Of(Grant g, DateTimeOffset now, TimeSpan period)
    {
        var endedAt = g.EndedAtOrExpiry(now);
        var pending = (endedAt is null ? g.Removals.SelectMany(r => r.Scopes) : g.Deletions.Any(d => d.Final) ? [] : g.Scopes.Concat(g.Removals.SelectMany(r => r.Scopes)))
            .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var confirmations = g.Deletions.Select(d => new DeletionConfirmation(d.Outcome, d.Scopes, d.PerformedAt, d.ConfirmedAt)).ToList();
        if (pending.Count == 0 && confirmations.Count == 0)
        {
            return null;
        }

        if (pending.Count == 0)
        {
            return new GrantDeletion(Confirmed, null, pending, confirmations);
        }

        // Owed from the earliest moment still unconfirmed: a narrowing's removal, or the end of the grant.
        var owedSince = g.Removals.Select(r => r.RemovedAt).Append(endedAt ?? DateTimeOffset.MaxValue).Min();
        var dueBy = owedSince + period;
        return new GrantDeletion(now > dueBy ? NotConfirmed : Awaiting, dueBy, pending, confirmations);
    }
}

/// <param name="Outcome">deleted or de-identified.</param>
/// <param name="PerformedAt">When the vendor says it did it.</param>
/// <param name="ConfirmedAt">When the vendor told the vault.</param>
public sealed record DeletionConfirmation(string Outcome, IReadOnlyList<string> Scopes, DateTimeOffset PerformedAt, DateTimeOffset ConfirmedAt);

public static class GrantReads
{
    /// <summary>The grants as one of their parties sees them, with their vendors and customers looked up in one query each.</summary>
    public static async Task<IReadOnlyList<GrantView>> ViewsAsync(
        this IQuerySession session, Party viewer, IReadOnlyList<Grant> grants, DateTimeOffset now, TimeSpan deletionPeriod,
        CancellationToken cancellationToken)
    {
        var vendors = await session.VendorsAsync(grants.Select(g => g.VendorId), cancellationToken);
        var customers = await viewer.CustomerIdsAsync(session, grants, cancellationToken);
        return grants.Select(g => GrantView.Of(
            g, vendors.GetValueOrDefault(g.VendorId), AccessRequestReads.Known(customers, g.CustomerId), now, deletionPeriod, viewer.IsVendor)).ToList();
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
