using CustomerVault.Infrastructure;
using CustomerVault.Vendors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Insights;

// The scorecard's schema. Every part says whether it is withheld: a part resting on fewer distinct customers than the
// minimum group size shows no figures at all, so that no one customer's choice can be read out of it.

/// <summary>How your customers judge you, in aggregate, over a window ending now.</summary>
/// <param name="From">Start of the window: requests made, grants ended, renewals and reports from then on count.</param>
/// <param name="To">End of the window (now).</param>
/// <param name="MinimumGroupSize">Fewest distinct customers a part must rest on to be shown.</param>
/// <param name="Requests">What became of your requests (answered or expired), as shares of them.</param>
/// <param name="Scopes">Scopes granted against scopes asked, over the same requests.</param>
/// <param name="Revocations">Grants customers revoked, by the reason code they chose (their own words are never shared).</param>
/// <param name="GrantLife">How long grants lasted, over those that ended in the window.</param>
/// <param name="KeepSharing">Of the grants given at least six months ago (and whose six-month mark fell in the window), the share not revoked within six months.</param>
/// <param name="Renewals">Grants extended by customers approving your renewal requests.</param>
/// <param name="Messages">Messages you sent over the last four weeks against the weekly caps customers set, and how many they reported as unwanted over the window.</param>
/// <param name="Deletions">Your confirmations of deletion for grants that ended in the window, against the vault's confirmation period.</param>
public sealed record VendorInsights(
    DateTimeOffset From, DateTimeOffset To, int MinimumGroupSize, RequestInsights Requests, ScopeInsights Scopes, RevocationInsights Revocations,
    GrantLifeInsights GrantLife, KeepSharingInsights KeepSharing, RenewalInsights Renewals, MessageInsights Messages, DeletionInsights Deletions);

/// <param name="Withheld">Fewer customers than the minimum group size: no figures.</param>
/// <param name="Count">Requests answered or expired.</param>
public sealed record RequestInsights(bool Withheld, int? Count, double? ApprovedInFull, double? ApprovedInPart, double? Denied, double? ExpiredUnanswered)
{
    public static RequestInsights Hidden => new(true, null, null, null, null, null);
}

/// <param name="Withheld">Fewer customers than the minimum group size: no figures.</param>
/// <param name="Share">Granted divided by asked.</param>
public sealed record ScopeInsights(bool Withheld, int? Asked, int? Granted, double? Share)
{
    public static ScopeInsights Hidden => new(true, null, null, null);
}

/// <param name="Withheld">Fewer customers than the minimum group size: no figures.</param>
/// <param name="ByReason">Every reason code, with how many revocations gave it (not-given: none chosen).</param>
public sealed record RevocationInsights(bool Withheld, int? Count, IReadOnlyList<ReasonCount>? ByReason)
{
    public static RevocationInsights Hidden => new(true, null, null);
}

public sealed record ReasonCount(string Code, int Count);

/// <param name="Withheld">Fewer customers than the minimum group size: no figures.</param>
/// <param name="Ended">Grants that ended in the window.</param>
/// <param name="MedianDays">Their median life, from grant to end, in days.</param>
public sealed record GrantLifeInsights(bool Withheld, int? Ended, double? MedianDays)
{
    public static GrantLifeInsights Hidden => new(true, null, null);
}

/// <param name="Withheld">Fewer customers than the minimum group size: no figures.</param>
/// <param name="Grants">Grants given at least six months ago whose six-month mark fell in the window.</param>
/// <param name="Share">The share of them not revoked within six months.</param>
public sealed record KeepSharingInsights(bool Withheld, int? Grants, double? Share)
{
    public static KeepSharingInsights Hidden => new(true, null, null);
}

/// <param name="Withheld">Fewer customers than the minimum group size: no figures.</param>
/// <param name="Extended">Grants extended in the window.</param>
public sealed record RenewalInsights(bool Withheld, int? Extended)
{
    public static RenewalInsights Hidden => new(true, null);
}

/// <param name="Withheld">Fewer customers than the minimum group size: no figures.</param>
/// <param name="PerCustomerPerWeek">Messages per customer messaged, per week, over the last four weeks.</param>
/// <param name="AverageWeeklyCap">The weekly cap of contacts those customers allow you, on average (their highest active grant's).</param>
/// <param name="Sent">Messages sent in the window.</param>
/// <param name="ReportedUnwanted">Of those, reported as unwanted.</param>
/// <param name="ReportedShare">Reported divided by sent.</param>
public sealed record MessageInsights(bool Withheld, double? PerCustomerPerWeek, double? AverageWeeklyCap, int? Sent, int? ReportedUnwanted, double? ReportedShare)
{
    public static MessageInsights Hidden => new(true, null, null, null, null, null);
}

/// <param name="Withheld">Fewer customers than the minimum group size: no figures.</param>
/// <param name="OnTime">Confirmed within the confirmation period after the grant ended.</param>
/// <param name="Late">Confirmed, but after it.</param>
/// <param name="Missing">Not confirmed, and the period is over.</param>
/// <param name="Awaiting">Not confirmed yet, within the period (not counted in the share).</param>
/// <param name="OnTimeShare">On time divided by on time, late and missing.</param>
public sealed record DeletionInsights(bool Withheld, int? OnTime, int? Late, int? Missing, int? Awaiting, double? OnTimeShare)
{
    public static DeletionInsights Hidden => new(true, null, null, null, null, null);
}

/// <summary>The calling vendor's scorecard; a vendor can only ever ask for its own.</summary>
public static class GetVendorInsights
{
    public static RouteHandlerBuilder MapVendorInsights(this IEndpointRouteBuilder vendor) =>
        vendor.MapGet("/vendor/insights", Handle).WithName("GetVendorInsights")
            .WithSummary("Your scorecard: how your customers answer, keep, renew and end their grants, in aggregate only")
            .WithDescription("Each part is withheld when it rests on fewer distinct customers than the vault's minimum group size (k-anonymity).");

    private static async Task<Ok<VendorInsights>> Handle(CallingVendor vendor, VendorInsightsQuery insights, TimeProvider clock, CancellationToken cancellationToken) =>
        TypedResults.Ok(await insights.ForVendorAsync(vendor.Id, clock.Now(), cancellationToken));
}
