using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Vendors;

public sealed record ReactivateVendor(DateTimeOffset Now);

public static partial class VendorDecider
{
    public static VendorReactivated Decide(ReactivateVendor command, Vendor vendor) => vendor.Status switch
    {
        VendorStatus.Suspended => new VendorReactivated(vendor.Id, command.Now),
        _ => throw new ConflictException("The vendor is active; only a suspended vendor can be reactivated.", Name(vendor.Status)),
    };
}

/// <summary>An operator lifts a vendor's suspension.</summary>
public static class ReactivateVendorHandler
{
    public static RouteHandlerBuilder MapReactivateVendor(this IEndpointRouteBuilder vendors) =>
        vendors.MapPost("/{vendorId:guid}/reactivate", Reactivate).WithName("ReactivateVendor")
            .WithSummary("Reactivate a suspended vendor").ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Results<Ok<VendorView>, ProblemHttpResult>> Reactivate(
        Guid vendorId, IDocumentSession session, TimeProvider clock, CancellationToken cancellationToken) =>
        await session.DecideAsync<Vendor>(vendorId, null, _ => true,
                vendor => VendorDecider.Decide(new ReactivateVendor(clock.Now()), vendor), cancellationToken) is { } reactivated
            ? TypedResults.Ok(VendorView.Of(reactivated))
            : GetVendors.NotFound();
}
