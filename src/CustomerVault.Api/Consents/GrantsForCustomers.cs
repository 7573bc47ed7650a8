using CustomerVault.Infrastructure;
using CustomerVault.Identity;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
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
        var now = clock.Now();
        if (await GrantAccessAsync(session, customer.Id, body, now, cancellationToken) is not { } grant)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such vendor.");
        }

        return TypedResults.Created($"/v1/me/grants/{grant.Id}", (await session.ViewsAsync([grant], now, cancellationToken))[0]);
    }

    private static Task<Results<Ok<GrantView>, ProblemHttpResult>> Revoke(
        Guid grantId, RevokeBody? body, CustomerPrincipal customer, HttpRequest request, HttpResponse response, IDocumentSession session,
        TimeProvider clock, CancellationToken cancellationToken) =>
        RespondAsync(RevokeAsync(session, customer.Id, grantId, ETag.ExpectedVersion(request), body?.Reason, clock.Now(), cancellationToken), response, session, clock, cancellationToken);

    private static Task<Results<Ok<GrantView>, ProblemHttpResult>> Narrow(
        Guid grantId, NarrowBody body, CustomerPrincipal customer, HttpRequest request, HttpResponse response, IDocumentSession session,
        TimeProvider clock, CancellationToken cancellationToken) =>
        RespondAsync(NarrowAsync(session, customer.Id, grantId, ETag.ExpectedVersion(request), body.RemoveScopes, clock.Now(), cancellationToken), response, session, clock, cancellationToken);

    private static async Task<Results<Ok<GrantView>, ProblemHttpResult>> RespondAsync(
        Task<Grant?> decided, HttpResponse response, IDocumentSession session, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await decided is not { } grant)
        {
            return NotFound();
        }

        ETag.Set(response, grant.Version);
        return TypedResults.Ok((await session.ViewsAsync([grant], clock.Now(), cancellationToken))[0]);
    }

    /// <summary>
    /// The customer grants a registered vendor access on her own initiative (the portal runs this too); null when
    /// there is no such vendor.
    /// </summary>
    public static async Task<Grant?> GrantAccessAsync(IDocumentSession session, Guid customerId, GrantBody body, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var vendor = await session.LoadAsync<Vendor>(body.VendorId, cancellationToken);
        if (vendor is null)
        {
            return null;
        }

        if (vendor.Status == VendorStatus.Suspended)
        {
            throw new ConflictException("This vendor is suspended; it cannot be granted access now.", VendorDecider.Name(vendor.Status));
        }

        var granted = GrantDecider.Decide(new GrantAccess(Guid.CreateVersion7(), customerId, vendor.Id, vendor.Scopes, body.Scopes,
            body.Purpose, body.Description, body.ExpiresAt, body.ContactTerms, now));
        session.Events.StartStream<Grant>(granted.GrantId, granted);
        await session.SaveChangesAsync(cancellationToken);
        return Grant.Create(granted);
    }

    /// <summary>The customer revokes her grant: the grant as it is now, or null when she has no such grant.</summary>
    public static Task<Grant?> RevokeAsync(
        IDocumentSession session, Guid customerId, Guid grantId, long? expectedVersion, string? reason, DateTimeOffset now, CancellationToken cancellationToken) =>
        DecideAsync(session, customerId, grantId, expectedVersion, grant => GrantDecider.Decide(new RevokeGrant(reason, now), grant), cancellationToken);

    /// <summary>The customer removes some scopes from her grant: the grant as it is now, or null when she has no such grant.</summary>
    public static Task<Grant?> NarrowAsync(
        IDocumentSession session, Guid customerId, Guid grantId, long? expectedVersion, IReadOnlyList<string>? removeScopes, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        DecideAsync(session, customerId, grantId, expectedVersion, grant => GrantDecider.Decide(new NarrowGrant(removeScopes, now), grant), cancellationToken);

    private static async Task<Grant?> DecideAsync(
        IDocumentSession session, Guid customerId, Guid grantId, long? expectedVersion, Func<Grant, object> decide, CancellationToken cancellationToken)
    {
        var stream = await session.FetchForWritingAsync<Grant>(grantId, expectedVersion, cancellationToken);
        if (stream.Aggregate is null || stream.Aggregate.CustomerId != customerId)
        {
            return null;
        }

        stream.AppendOne(decide(stream.Aggregate));
        await session.SaveChangesAsync(cancellationToken);
        return await session.LoadAsync<Grant>(grantId, cancellationToken);
    }

    // Another customer's grant id answers exactly like an id that does not exist.
    private static ProblemHttpResult NotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such grant.");
}
