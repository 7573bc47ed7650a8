using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Vendors;

public sealed record RotateVendorSecret(DateTimeOffset Now);

public static partial class VendorDecider
{
    public static VendorSecretRotated Decide(RotateVendorSecret command, Vendor vendor) => new(vendor.Id, command.Now);
}

/// <summary>An operator replaces a vendor's client secret: the old one stops working at once.</summary>
public static class RotateVendorSecretHandler
{
    public static RouteHandlerBuilder MapRotateVendorSecret(this IEndpointRouteBuilder vendors) =>
        vendors.MapPost("/{vendorId:guid}/secret", RotateSecret).WithName("RotateVendorSecret")
            .WithSummary("Replace the vendor's client secret; the old one stops working at once").ProducesProblem(StatusCodes.Status404NotFound);

    // The new secret and the event that records it are written together by the registry (VendorRegistry.RotateSecretAsync).
    private static async Task<Results<Ok<VendorCredentials>, ProblemHttpResult>> RotateSecret(Guid vendorId, VendorRegistry registry, CancellationToken cancellationToken) =>
        await registry.RotateSecretAsync(vendorId, cancellationToken) is var (vendor, secret)
            ? TypedResults.Ok(new VendorCredentials(VendorView.Of(vendor), vendor.ClientId, secret, null))
            : GetVendors.NotFound();
}
