using CustomerVault.Vendors;

namespace CustomerVault.Insights;

/// <summary>
/// What a customer is shown about a company before she answers it: a few of its scorecard's figures, withheld the same
/// way (below the minimum group size there is nothing to say yet), and how long it declared it keeps data per purpose.
/// </summary>
/// <param name="KeepSharing">Share of its customers who keep sharing six months on; null when there are too few to say.</param>
/// <param name="DeletionOnTime">Share of ended grants whose deletion it confirmed on time; null when there are too few to say.</param>
/// <param name="ApprovedInFull">Share of its requests customers approved in full; null when there are too few to say.</param>
/// <param name="Retention">Its declared retention, the asked purpose first.</param>
public sealed record VendorTrackRecord(
    string VendorName, string Purpose, double? KeepSharing, double? DeletionOnTime, double? ApprovedInFull, IReadOnlyList<DeclaredRetention> Retention)
{
    public static async Task<VendorTrackRecord> ForAsync(VendorInsightsQuery insights, Vendor vendor, string purpose, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var figures = await insights.ForVendorAsync(vendor.Id, now, cancellationToken);
        return new VendorTrackRecord(vendor.DisplayName, purpose, figures.KeepSharing.Share, figures.Deletions.OnTimeShare, figures.Requests.ApprovedInFull,
            [.. vendor.Retention.OrderBy(r => r.Purpose == purpose ? 0 : 1).ThenBy(r => r.Purpose, StringComparer.Ordinal)]);
    }

    public static string Percent(double share) => $"{Math.Round(share * 100):0}%";
}
