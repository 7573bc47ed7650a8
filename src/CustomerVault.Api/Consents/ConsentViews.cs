using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using CustomerVault.Vendors;
using Marten;

namespace CustomerVault.Consents;

public sealed record VendorSummary(Guid Id, string Name, string? Website, string ContactEmail, string Status)
{
    public static VendorSummary Of(Vendor? vendor, Guid id) => vendor is null
        ? new VendorSummary(id, "(unknown vendor)", null, "", "unknown")
        : new VendorSummary(vendor.Id, vendor.DisplayName, vendor.Website, vendor.ContactEmail, VendorDecider.Name(vendor.Status));
}

/// <param name="AnswerBy">When an unanswered request expires.</param>
/// <param name="Duration">How long the vendor asked to keep access (ISO 8601), counted from the approval.</param>
public sealed record AccessRequestView(
    Guid Id, VendorSummary Vendor, Guid CustomerId, string Status, IReadOnlyList<string> Scopes, string Purpose, string Description,
    string Duration, ContactTerms? ContactTerms, DateTimeOffset RequestedAt, DateTimeOffset AnswerBy, DateTimeOffset? DecidedAt,
    Guid? GrantId, IReadOnlyList<string>? ApprovedScopes, string? DenialReason)
{
    public static AccessRequestView Of(AccessRequest r, Vendor? vendor, DateTimeOffset now) => new(
        r.Id, VendorSummary.Of(vendor, r.VendorId), r.CustomerId, AccessRequestDecider.StatusName(r.StatusAt(now)), r.Scopes, r.Purpose,
        r.Description, r.Duration, r.ContactTerms, r.RequestedAt, r.AnswerBy, r.DecidedAt ?? (r.StatusAt(now) == AccessRequestStatus.Expired ? r.AnswerBy : null),
        r.GrantId, r.ApprovedScopes, r.DenialReason);
}

/// <param name="Status">active, revoked (by the customer), relinquished (by the vendor), expired, or suspended (while its vendor is suspended).</param>
/// <param name="RequestId">The request this grant answered; absent when the customer granted access on her own initiative.</param>
public sealed record GrantView(
    Guid Id, VendorSummary Vendor, Guid CustomerId, Guid? RequestId, string Status, IReadOnlyList<string> Scopes, string Purpose,
    string Description, ContactTerms? ContactTerms, DateTimeOffset GrantedAt, DateTimeOffset ExpiresAt, DateTimeOffset? EndedAt, string? EndReason)
{
    public static GrantView Of(Grant g, Vendor? vendor, DateTimeOffset now)
    {
        var status = g.StatusAt(now);
        var shown = status == GrantStatus.Active && vendor?.Status == VendorStatus.Suspended ? "suspended" : GrantDecider.StatusName(status);
        return new GrantView(g.Id, VendorSummary.Of(vendor, g.VendorId), g.CustomerId, g.RequestId, shown, g.Scopes, g.Purpose, g.Description,
            g.ContactTerms, g.GrantedAt, g.ExpiresAt, g.EndedAt ?? (status == GrantStatus.Expired ? g.ExpiresAt : null), g.EndReason);
    }
}

public static class ConsentViews
{
    public static async Task<IReadOnlyDictionary<Guid, Vendor>> VendorsAsync(this IQuerySession session, IEnumerable<Guid> ids, CancellationToken cancellationToken)
    {
        var distinct = ids.Distinct().ToArray();
        if (distinct.Length == 0)
        {
            return new Dictionary<Guid, Vendor>();
        }

        var vendors = await session.LoadManyAsync<Vendor>(cancellationToken, distinct);
        return vendors.ToDictionary(v => v.Id);
    }

    public static async Task<IReadOnlyList<AccessRequestView>> ViewsAsync(this IQuerySession session, IReadOnlyList<AccessRequest> requests, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var vendors = await session.VendorsAsync(requests.Select(r => r.VendorId), cancellationToken);
        return requests.Select(r => AccessRequestView.Of(r, vendors.GetValueOrDefault(r.VendorId), now)).ToList();
    }

    public static async Task<IReadOnlyList<GrantView>> ViewsAsync(this IQuerySession session, IReadOnlyList<Grant> grants, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var vendors = await session.VendorsAsync(grants.Select(g => g.VendorId), cancellationToken);
        return grants.Select(g => GrantView.Of(g, vendors.GetValueOrDefault(g.VendorId), now)).ToList();
    }

    /// <summary>Requests whose status, counting expiry by the clock, is <paramref name="status"/>.</summary>
    public static IQueryable<AccessRequest> WithStatus(this IQueryable<AccessRequest> requests, AccessRequestStatus? status, DateTimeOffset now) => status switch
    {
        null => requests,
        AccessRequestStatus.Pending => requests.Where(r => r.Status == AccessRequestStatus.Pending && r.AnswerBy > now),
        AccessRequestStatus.Expired => requests.Where(r => r.Status == AccessRequestStatus.Expired || (r.Status == AccessRequestStatus.Pending && r.AnswerBy <= now)),
        var other => requests.Where(r => r.Status == other),
    };

    /// <summary>Grants whose status, counting expiry by the clock, is <paramref name="status"/>.</summary>
    public static IQueryable<Grant> WithStatus(this IQueryable<Grant> grants, GrantStatus? status, DateTimeOffset now) => status switch
    {
        null => grants,
        GrantStatus.Active => grants.Where(g => g.Status == GrantStatus.Active && g.ExpiresAt > now),
        GrantStatus.Expired => grants.Where(g => g.Status == GrantStatus.Expired || (g.Status == GrantStatus.Active && g.ExpiresAt <= now)),
        var other => grants.Where(g => g.Status == other),
    };

    /// <summary>One page of requests, newest first, in a status (by the clock) when one is named.</summary>
    public static async Task<Page<AccessRequestView>> PageAsync(
        this IQueryable<AccessRequest> requests, IQuerySession session, string? status, Paging paging, DateTimeOffset now, HttpRequest request,
        CancellationToken cancellationToken)
    {
        var page = await requests.WithStatus(ParseStatus<AccessRequestStatus>(status), now)
            .OrderByDescending(r => r.RequestedAt).Skip(paging.Offset).Take(paging.Limit + 1)
            .ToListAsync(cancellationToken);
        return paging.Page(await session.ViewsAsync(page, now, cancellationToken), request);
    }

    /// <summary>One page of grants, newest first, in a status (by the clock) when one is named.</summary>
    public static async Task<Page<GrantView>> PageAsync(
        this IQueryable<Grant> grants, IQuerySession session, string? status, Paging paging, DateTimeOffset now, HttpRequest request,
        CancellationToken cancellationToken)
    {
        var page = await grants.WithStatus(ParseStatus<GrantStatus>(status), now)
            .OrderByDescending(g => g.GrantedAt).Skip(paging.Offset).Take(paging.Limit + 1)
            .ToListAsync(cancellationToken);
        return paging.Page(await session.ViewsAsync(page, now, cancellationToken), request);
    }

    private static TEnum? ParseStatus<TEnum>(string? text) where TEnum : struct, Enum =>
        text switch
        {
            null => null,
            _ when Enum.TryParse<TEnum>(text, ignoreCase: true, out var parsed) && !int.TryParse(text, out _) => parsed,
            _ => throw RequestValidationException.For("status", $"must be one of {string.Join(", ", Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant()))}."),
        };
}
