using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Consents;

public sealed record RelinquishBody(string? Reason);

/// <summary>A vendor sees its own grants and can give one up; another vendor's grants do not exist for it.</summary>
public static class GrantsForVendors
{
    public static IEndpointRouteBuilder MapGrantsForVendors(this IEndpointRouteBuilder vendor)
    {
        vendor.MapGet("/grants", List).WithName("ListGrants")
            .WithSummary("Your grants, newest first, optionally for one customer or in one status").ProducesValidationProblem();
        vendor.MapGet("/grants/{grantId:guid}", Get).WithName("GetGrant").WithSummary("One of your grants").ProducesProblem(StatusCodes.Status404NotFound);
        vendor.MapPost("/grants/{grantId:guid}/relinquish", Relinquish).WithName("RelinquishGrant")
            .WithSummary("Give up a grant you no longer need")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return vendor;
    }

    private static async Task<Ok<Page<GrantView>>> List(
        Guid? customerId, string? status, int? limit, int? offset, CallingVendor vendor, IQuerySession session, TimeProvider clock,
        HttpRequest request, CancellationToken cancellationToken)
    {
        var query = session.Query<Grant>().Where(g => g.VendorId == vendor.Id);
        if (customerId is { } customer)
        {
            query = query.Where(g => g.CustomerId == customer);
        }

        return TypedResults.Ok(await query.PageAsync(session, status, Paging.Of(limit, offset), clock.Now(), request, cancellationToken));
    }

    private static async Task<Results<Ok<GrantView>, ProblemHttpResult>> Get(
        Guid grantId, CallingVendor vendor, IQuerySession session, TimeProvider clock, HttpResponse response, CancellationToken cancellationToken)
    {
        var grant = await session.LoadAsync<Grant>(grantId, cancellationToken);
        if (grant is null || grant.VendorId != vendor.Id)
        {
            return NotFound();
        }

        ETag.Set(response, grant.Version);
        return TypedResults.Ok(GrantView.Of(grant, vendor.Vendor, clock.Now()));
    }

    private static async Task<Results<Ok<GrantView>, ProblemHttpResult>> Relinquish(
        Guid grantId, RelinquishBody? body, CallingVendor vendor, HttpRequest request, HttpResponse response, IDocumentSession session,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var stream = await session.FetchForWritingAsync<Grant>(grantId, request, cancellationToken);
        if (stream.Aggregate is null || stream.Aggregate.VendorId != vendor.Id)
        {
            return NotFound();
        }

        stream.AppendOne(GrantDecider.Decide(new RelinquishGrant(body?.Reason, clock.Now()), stream.Aggregate));
        await session.SaveChangesAsync(cancellationToken);
        var updated = (await session.LoadAsync<Grant>(grantId, cancellationToken))!;
        ETag.Set(response, updated.Version);
        return TypedResults.Ok(GrantView.Of(updated, vendor.Vendor, clock.Now()));
    }

    private static ProblemHttpResult NotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such grant.");
}
