using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Vendors;

public sealed record SuspendVendorRequest(string? Reason);

public sealed record SuspendVendor(string? Reason, DateTimeOffset Now);

public static partial class VendorDecider
{
    public static VendorSuspended Decide(SuspendVendor command, Vendor vendor) => vendor.Status switch
    {
        VendorStatus.Active => new VendorSuspended(vendor.Id, command.Reason, command.Now),
        _ => throw new ConflictException("The vendor is already suspended.", Name(vendor.Status)),
    };
}

/// <summary>An operator suspends a vendor: its token requests, access requests and reads are refused at once, its grants shown suspended.</summary>
public static class SuspendVendorHandler
{
    public static RouteHandlerBuilder MapSuspendVendor(this IEndpointRouteBuilder vendors) =>
        vendors.MapPost("/{vendorId:guid}/suspend", Suspend).WithName("SuspendVendor")
            .WithSummary("Suspend a vendor: its token requests, access requests and reads are refused at once")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Results<Ok<VendorView>, ProblemHttpResult>> Suspend(
        Guid vendorId, SuspendVendorRequest? body, IDocumentSession session, TimeProvider clock, CancellationToken cancellationToken) =>
        await session.DecideAsync<Vendor>(vendorId, null, _ => true,
                vendor => VendorDecider.Decide(new SuspendVendor(body?.Reason?.Trim(), clock.Now()), vendor), cancellationToken) is { } suspended
            ? TypedResults.Ok(VendorView.Of(suspended))
            : GetVendors.NotFound();
}
