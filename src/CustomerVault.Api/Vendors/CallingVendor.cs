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
        var token = VendorToken.Of(context.User);
        return Check(await context.RequestServices.GetRequiredService<IQuerySession>().LoadAsync<Vendor>(token.VendorId, context.RequestAborted));
    }

    /// <summary>Admits an active registered vendor; refuses (403) an unknown or suspended one.</summary>
    public static CallingVendor Check(Vendor? vendor)
    {
        Check(vendor?.Status);
        return new CallingVendor(vendor!);
    }

    /// <summary>Refuses (403) a vendor that is not registered (null) or suspended.</summary>
    public static void Check(VendorStatus? status)
    {
        if (status is not VendorStatus.Active)
        {
            throw NotAllowed(status);
        }
    }

    /// <summary>Why a vendor that is not registered (null) or suspended may not act.</summary>
    public static VendorNotAllowedException NotAllowed(VendorStatus? status) => status is null
        ? new VendorNotAllowedException("The token's client is not a registered vendor.")
        : new VendorNotAllowedException("An operator suspended this vendor; its requests and reads are refused until it is reactivated.");
}

/// <summary>The vendor a token names, before the vault has looked it up (for endpoints that load it with other state).</summary>
public sealed record VendorToken(Guid VendorId)
{
    public static ValueTask<VendorToken?> BindAsync(HttpContext context) => ValueTask.FromResult<VendorToken?>(Of(context.User));

    public static VendorToken Of(ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(VaultClaims.VendorId), out var vendorId)
            ? new VendorToken(vendorId)
            : throw new VendorNotAllowedException("The token's client is not a registered vendor.");
}

/// <summary>The token is valid, but its vendor may not act now (403).</summary>
public sealed class VendorNotAllowedException(string message) : Exception(message);
