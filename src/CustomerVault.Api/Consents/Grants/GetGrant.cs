using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Consents;

/// <summary>One grant, to either of its parties.</summary>
public static class GetGrant
{
    public static RouteHandlerBuilder MapGetMyGrant(this IEndpointRouteBuilder me) =>
        me.MapGet("/grants/{grantId:guid}", ForCustomer).WithName("GetMyGrant").WithSummary("One of your grants").ProducesProblem(StatusCodes.Status404NotFound);

    public static RouteHandlerBuilder MapGetGrant(this IEndpointRouteBuilder vendor) =>
        vendor.MapGet("/grants/{grantId:guid}", ForVendor).WithName("GetGrant").WithSummary("One of your grants").ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<GrantView>, ProblemHttpResult>> ForCustomer(
        Guid grantId, CustomerPrincipal customer, IQuerySession session, TimeProvider clock, HttpResponse response, CancellationToken cancellationToken) =>
        await RespondAsync(await Party.Customer(customer.Id).LoadAsync<Grant>(session, grantId, cancellationToken), Party.Customer(customer.Id), session, response, clock, cancellationToken);

    private static async Task<Results<Ok<GrantView>, ProblemHttpResult>> ForVendor(
        Guid grantId, CallingVendor vendor, IQuerySession session, TimeProvider clock, HttpResponse response, CancellationToken cancellationToken) =>
        await RespondAsync(await Party.Vendor(vendor.Id).LoadAsync<Grant>(session, grantId, cancellationToken), Party.Vendor(vendor.Id), session, response, clock, cancellationToken);

    /// <summary>The grant as its party sees it, with its version as the ETag; 404 when the party has no such grant.</summary>
    public static async Task<Results<Ok<GrantView>, ProblemHttpResult>> RespondAsync(
        Grant? grant, Party viewer, IQuerySession session, HttpResponse response, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (grant is null)
        {
            return NotFound();
        }

        ETag.Set(response, grant.Version);
        return TypedResults.Ok((await session.ViewsAsync(viewer, [grant], clock.Now(), ConsentOptions.DeletionPeriodOf(response.HttpContext), cancellationToken))[0]);
    }

    // Another party's grant id answers exactly like an id that does not exist.
    public static ProblemHttpResult NotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such grant.");
}
