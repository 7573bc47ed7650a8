using CustomerVault.Infrastructure;
using CustomerVault.Identity;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Consents;

/// <param name="Scopes">The scopes approved: all requested scopes when absent, or only some of them (partial approval).</param>
/// <param name="ExpiresAt">An earlier end than the requested duration allows; the requested duration when absent.</param>
public sealed record ApproveBody(IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt);

/// <param name="Reason">Shown to the vendor.</param>
public sealed record DenyBody(string? Reason);

/// <summary>The customer sees every request addressed to her, and approves (all or some scopes) or denies it.</summary>
public static class AccessRequestsForCustomers
{
    public static RouteGroupBuilder MapAccessRequestsForCustomers(this RouteGroupBuilder me)
    {
        me.MapGet("/access-requests", List).WithName("ListMyAccessRequests").WithSummary("Requests addressed to you, newest first")
            .ProducesValidationProblem();
        me.MapGet("/access-requests/{requestId:guid}", Get).WithName("GetMyAccessRequest").WithSummary("One request addressed to you")
            .ProducesProblem(StatusCodes.Status404NotFound);
        me.MapPost("/access-requests/{requestId:guid}/approve", Approve).WithName("ApproveAccessRequest")
            .WithSummary("Approve a request, fully or only some of its scopes, optionally until an earlier date; this creates a grant")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        me.MapPost("/access-requests/{requestId:guid}/deny", Deny).WithName("DenyAccessRequest").WithSummary("Deny a request, optionally saying why")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);
        return me;
    }

    private static async Task<Ok<Page<AccessRequestView>>> List(
        string? status, int? limit, int? offset, CustomerPrincipal customer, IQuerySession session, TimeProvider clock, HttpRequest request,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(await session.Query<AccessRequest>().Where(r => r.CustomerId == customer.Id)
            .PageAsync(session, status, Paging.Of(limit, offset), clock.Now(), request, cancellationToken));

    private static async Task<Results<Ok<AccessRequestView>, ProblemHttpResult>> Get(
        Guid requestId, CustomerPrincipal customer, IQuerySession session, TimeProvider clock, HttpResponse response, CancellationToken cancellationToken)
    {
        var request = await session.LoadAsync<AccessRequest>(requestId, cancellationToken);
        if (request is null || request.CustomerId != customer.Id)
        {
            return NotFound();
        }

        ETag.Set(response, request.Version);
        return TypedResults.Ok((await session.ViewsAsync([request], clock.Now(), cancellationToken))[0]);
    }

    private static async Task<Results<Ok<AccessRequestView>, ProblemHttpResult>> Approve(
        Guid requestId, ApproveBody? body, CustomerPrincipal customer, HttpRequest request, HttpResponse response,
        IDocumentSession session, TimeProvider clock, CancellationToken cancellationToken) =>
        await ApproveAsync(session, customer.Id, requestId, ETag.ExpectedVersion(request), body ?? new ApproveBody(null, null), clock.Now(), cancellationToken)
            ? await ReadBackAsync(session, requestId, response, clock, cancellationToken)
            : NotFound();

    private static async Task<Results<Ok<AccessRequestView>, ProblemHttpResult>> Deny(
        Guid requestId, DenyBody? body, CustomerPrincipal customer, HttpRequest request, HttpResponse response,
        IDocumentSession session, TimeProvider clock, CancellationToken cancellationToken) =>
        await DenyAsync(session, customer.Id, requestId, ETag.ExpectedVersion(request), body?.Reason, clock.Now(), cancellationToken)
            ? await ReadBackAsync(session, requestId, response, clock, cancellationToken)
            : NotFound();

    /// <summary>
    /// The customer approves her request (the portal runs this too): false when she has no such request.
    /// A stale <paramref name="expectedVersion"/> fails with a concurrency error.
    /// </summary>
    public static async Task<bool> ApproveAsync(
        IDocumentSession session, Guid customerId, Guid requestId, long? expectedVersion, ApproveBody body, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stream = await session.FetchForWritingAsync<AccessRequest>(requestId, expectedVersion, cancellationToken);
        if (stream.Aggregate is null || stream.Aggregate.CustomerId != customerId)
        {
            return false;
        }

        var approval = AccessRequestDecider.Decide(new ApproveRequest(body.Scopes, body.ExpiresAt, Guid.CreateVersion7(), now), stream.Aggregate);
        stream.AppendOne(approval.Approved);
        session.Events.StartStream<Grant>(approval.Granted.GrantId, approval.Granted);
        await session.SaveChangesAsync(cancellationToken);
        return true;
    }

    /// <summary>The customer denies her request: false when she has no such request.</summary>
    public static async Task<bool> DenyAsync(
        IDocumentSession session, Guid customerId, Guid requestId, long? expectedVersion, string? reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stream = await session.FetchForWritingAsync<AccessRequest>(requestId, expectedVersion, cancellationToken);
        if (stream.Aggregate is null || stream.Aggregate.CustomerId != customerId)
        {
            return false;
        }

        stream.AppendOne(AccessRequestDecider.Decide(new DenyRequest(reason, now), stream.Aggregate));
        await session.SaveChangesAsync(cancellationToken);
        return true;
    }

    private static async Task<Results<Ok<AccessRequestView>, ProblemHttpResult>> ReadBackAsync(
        IDocumentSession session, Guid requestId, HttpResponse response, TimeProvider clock, CancellationToken cancellationToken)
    {
        var updated = (await session.LoadAsync<AccessRequest>(requestId, cancellationToken))!;
        ETag.Set(response, updated.Version);
        return TypedResults.Ok((await session.ViewsAsync([updated], clock.Now(), cancellationToken))[0]);
    }

    // Another customer's request id answers exactly like an id that does not exist.
    private static ProblemHttpResult NotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such access request.");
}
