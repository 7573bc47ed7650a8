using Marten;

namespace CustomerVault.Vendors;

// How requests, grants and the access log name a vendor (a schema of the API: its doc comment would become the schema's description).
public sealed record VendorSummary(Guid Id, string Name, string? Website, string ContactEmail, string Status)
{
    public static VendorSummary Of(Vendor? vendor, Guid id) => vendor is null
        ? new VendorSummary(id, "(unknown vendor)", null, "", "unknown")
        : new VendorSummary(vendor.Id, vendor.DisplayName, vendor.Website, vendor.ContactEmail, VendorDecider.Name(vendor.Status));
}

public static class VendorLookup
{
    /// <summary>The vendors with these ids, in one query; unknown ids are absent.</summary>
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
}
