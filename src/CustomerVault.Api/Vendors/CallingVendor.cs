using System.Security.Claims;
using CustomerVault.Identity;
using Marten;

namespace CustomerVault.Vendors;

/// <summary>
/// The vendor behind a vendor token, loaded for each request that names it as a parameter. Its suspension is
/// checked on every request, not only when its token was issued: a suspended vendor is refused at once, whatever
/// tokens it still holds.
/// </summary>
public sealed record CallingVendor(Vendor Vendor)
{
    public Guid Id => Vendor.Id;

    public static async ValueTask<CallingVendor?> BindAsync(HttpContext context)
    {
        var vendor = Guid.TryParse(context.User.FindFirstValue(VaultClaims.VendorId), out var vendorId)
            ? await context.RequestServices.GetRequiredService<IQuerySession>().LoadAsync<Vendor>(vendorId, context.RequestAborted)
            : null;
        return vendor switch
        {
            null => throw new VendorNotAllowedException("The token's client is not a registered vendor."),
            { Status: VendorStatus.Suspended } => throw new VendorNotAllowedException(
                "An operator suspended this vendor; its requests and reads are refused until it is reactivated."),
            _ => new CallingVendor(vendor),
        };
    }
}

/// <summary>The token is valid, but its vendor may not act now (403).</summary>
public sealed class VendorNotAllowedException(string message) : Exception(message);
