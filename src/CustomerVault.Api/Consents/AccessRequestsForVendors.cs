using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Consents;

/// <summary>A vendor learns the outcome of its own requests, and only its own.</summary>
public static class AccessRequestsForVendors
{
    public static IEndpointRouteBuilder MapAccessRequestsForVendors(this IEndpointRouteBuilder vendor)
    {
        vendor.MapGet("/access-requests/{requestId:guid}", Get).WithName("GetAccessRequest")
            .WithSummary("One of your requests, with its outcome").ProducesProblem(StatusCodes.Status404NotFound);
        vendor.MapGet("/access-requests", List).WithName("ListAccessRequests")
            .WithSummary("Your requests, newest first, optionally for one customer or in one status").ProducesValidationProblem();
        return vendor;
    }

    private static async Task<Results<Ok<AccessRequestView>, ProblemHttpResult>> Get(
        Guid requestId, CallingVendor vendor, IQuerySession session, TimeProvider clock, HttpResponse response, CancellationToken cancellationToken)
    {
        var request = await session.LoadAsync<AccessRequest>(requestId, cancellationToken);
        if (request is null || request.VendorId != vendor.Id)
        {
            // Another vendor's request answers exactly like one that does not exist.
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such access request.");
        }

        ETag.Set(response, request.Version);
        return TypedResults.Ok(AccessRequestView.Of(request, vendor.Vendor, clock.Now()));
    }

    private static async Task<Ok<Page<AccessRequestView>>> List(
        Guid? customerId, string? status, int? limit, int? offset, CallingVendor vendor, IQuerySession session, TimeProvider clock,
        HttpRequest request, CancellationToken cancellationToken)
    {
        var query = session.Query<AccessRequest>().Where(r => r.VendorId == vendor.Id);
        if (customerId is { } customer)
        {
            query = query.Where(r => r.CustomerId == customer);
        }

        return TypedResults.Ok(await query.PageAsync(session, status, Paging.Of(limit, offset), clock.Now(), request, cancellationToken));
    }
}
