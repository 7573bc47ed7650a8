using CustomerVault.Infrastructure;
using CustomerVault.Identity;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Consents;

/// <param name="VendorId">A registered vendor (its id is in its requests, or the operator's directory).</param>
/// <param name="ExpiresAt">When the grant ends; at most two years from now.</param>
public sealed record GrantBody(Guid VendorId, IReadOnlyList<string>? Scopes, string? Purpose, string? Description, DateTimeOffset? ExpiresAt, ContactTerms? ContactTerms);

public sealed record NarrowBody(IReadOnlyList<string>? RemoveScopes);

public sealed record RevokeBody(string? Reason);

/// <summary>The customer's grants: she sees them all, grants on her own initiative, narrows and revokes.</summary>
public static class GrantsForCustomers
{
    public static RouteGroupBuilder MapGrantsForCustomers(this RouteGroupBuilder me)
    {
        me.MapGet("/grants", List).WithName("ListMyGrants").WithSummary("Your grants, newest first").ProducesValidationProblem();
        me.MapGet("/grants/{grantId:guid}", Get).WithName("GetMyGrant").WithSummary("One of your grants").ProducesProblem(StatusCodes.Status404NotFound);
        me.MapPost("/grants", GrantAccess).WithName("GrantAccess")
            .WithSummary("Grant a registered vendor access on your own initiative, no request needed")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        me.MapPost("/grants/{grantId:guid}/revoke", Revoke).WithName("RevokeGrant")
            .WithSummary("Revoke a grant: the vendor's very next read is refused")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        me.MapPost("/grants/{grantId:guid}/narrow", Narrow).WithName("NarrowGrant")
            .WithSummary("Remove some scopes from an active grant without ending it")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return me;
    }

    private static async Task<Ok<Page<GrantView>>> List(
        string? status, Guid? vendorId, int? limit, int? offset, CustomerPrincipal customer, IQuerySession session, TimeProvider clock,
        HttpRequest request, CancellationToken cancellationToken)
    {
        var query = session.Query<Grant>().Where(g => g.CustomerId == customer.Id);
        if (vendorId is { } vendor)
        {
            query = query.Where(g => g.VendorId == vendor);
        }

        return TypedResults.Ok(await query.PageAsync(session, status, Paging.Of(limit, offset), clock.Now(), request, cancellationToken));
    }

    private static async Task<Results<Ok<GrantView>, ProblemHttpResult>> Get(
        Guid grantId, CustomerPrincipal customer, IQuerySession session, TimeProvider clock, HttpResponse response, CancellationToken cancellationToken)
    {
        var grant = await session.LoadAsync<Grant>(grantId, cancellationToken);
        if (grant is null || grant.CustomerId != customer.Id)
        {
            return NotFound();
        }

        ETag.Set(response, grant.Version);
        return TypedResults.Ok((await session.ViewsAsync([grant], clock.Now(), cancellationToken))[0]);
    }

    private static async Task<Results<Created<GrantView>, ProblemHttpResult>> GrantAccess(
        GrantBody body, CustomerPrincipal customer, IDocumentSession session, TimeProvider clock, CancellationToken cancellationToken)
    {
        var vendor = await session.LoadAsync<Vendor>(body.VendorId, cancellationToken);
        if (vendor is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such vendor.");
        }

        if (vendor.Status == VendorStatus.Suspended)
        {
            throw new ConflictException("This vendor is suspended; it cannot be granted access now.", VendorDecider.Name(vendor.Status));
        }

        var now = clock.Now();
        var granted = GrantDecider.Decide(new GrantAccess(Guid.CreateVersion7(), customer.Id, vendor.Id, vendor.Scopes, body.Scopes,
            body.Purpose, body.Description, body.ExpiresAt, body.ContactTerms, now));
        session.Events.StartStream<Grant>(granted.GrantId, granted);
        await session.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/v1/me/grants/{granted.GrantId}", GrantView.Of(Grant.Create(granted), vendor, now));
    }

    private static Task<Results<Ok<GrantView>, ProblemHttpResult>> Revoke(
        Guid grantId, RevokeBody? body, CustomerPrincipal customer, HttpRequest request, HttpResponse response, IDocumentSession session,
        TimeProvider clock, CancellationToken cancellationToken) =>
        DecideAsync(grantId, customer, request, response, session, clock, grant => GrantDecider.Decide(new RevokeGrant(body?.Reason, clock.Now()), grant), cancellationToken);

    private static Task<Results<Ok<GrantView>, ProblemHttpResult>> Narrow(
        Guid grantId, NarrowBody body, CustomerPrincipal customer, HttpRequest request, HttpResponse response, IDocumentSession session,
        TimeProvider clock, CancellationToken cancellationToken) =>
        DecideAsync(grantId, customer, request, response, session, clock, grant => GrantDecider.Decide(new NarrowGrant(body.RemoveScopes, clock.Now()), grant), cancellationToken);

    private static async Task<Results<Ok<GrantView>, ProblemHttpResult>> DecideAsync(
        Guid grantId, CustomerPrincipal customer, HttpRequest request, HttpResponse response, IDocumentSession session, TimeProvider clock,
        Func<Grant, object> decide, CancellationToken cancellationToken)
    {
        var stream = await session.FetchForWritingAsync<Grant>(grantId, request, cancellationToken);
        if (stream.Aggregate is null || stream.Aggregate.CustomerId != customer.Id)
        {
            return NotFound();
        }

        stream.AppendOne(decide(stream.Aggregate));
        await session.SaveChangesAsync(cancellationToken);
        var updated = (await session.LoadAsync<Grant>(grantId, cancellationToken))!;
        ETag.Set(response, updated.Version);
        return TypedResults.Ok((await session.ViewsAsync([updated], clock.Now(), cancellationToken))[0]);
    }

    // Another customer's grant id answers exactly like an id that does not exist.
    private static ProblemHttpResult NotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such grant.");
}
