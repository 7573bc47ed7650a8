using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Consents;

/// <summary>One request, to either of its parties: the customer sees it with her answer to give, the vendor with its outcome.</summary>
public static class GetAccessRequest
{
    public static RouteHandlerBuilder MapGetMyAccessRequest(this IEndpointRouteBuilder me) =>
        me.MapGet("/access-requests/{requestId:guid}", ForCustomer).WithName("GetMyAccessRequest").WithSummary("One request addressed to you")
            .ProducesProblem(StatusCodes.Status404NotFound);

    public static RouteHandlerBuilder MapGetAccessRequest(this IEndpointRouteBuilder vendor) =>
        vendor.MapGet("/access-requests/{requestId:guid}", ForVendor).WithName("GetAccessRequest")
            .WithSummary("One of your requests, with its outcome").ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<AccessRequestView>, ProblemHttpResult>> ForCustomer(
        Guid requestId, CustomerPrincipal customer, IQuerySession session, TimeProvider clock, HttpResponse response, CancellationToken cancellationToken) =>
        await RespondAsync(await Party.Customer(customer.Id).LoadAsync<AccessRequest>(session, requestId, cancellationToken), Party.Customer(customer.Id), session, response, clock, cancellationToken);

    private static async Task<Results<Ok<AccessRequestView>, ProblemHttpResult>> ForVendor(
        Guid requestId, CallingVendor vendor, IQuerySession session, TimeProvider clock, HttpResponse response, CancellationToken cancellationToken) =>
        await RespondAsync(await Party.Vendor(vendor.Id).LoadAsync<AccessRequest>(session, requestId, cancellationToken), Party.Vendor(vendor.Id), session, response, clock, cancellationToken);

    /// <summary>The request as the party sees it, with its version as the ETag; 404 when the party has no such request.</summary>
    public static async Task<Results<Ok<AccessRequestView>, ProblemHttpResult>> RespondAsync(
        AccessRequest? request, Party viewer, IQuerySession session, HttpResponse response, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (request is null)
        {
            // Another party's request answers exactly like an id that does not exist.
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such access request.");
        }

        ETag.Set(response, request.Version);
        return TypedResults.Ok((await session.ViewsAsync(viewer, [request], clock.Now(), cancellationToken))[0]);
    }
}
