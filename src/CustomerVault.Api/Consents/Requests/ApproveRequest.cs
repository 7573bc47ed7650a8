using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CustomerVault.Consents;

/// <param name="Scopes">The scopes approved: all requested scopes when absent, or only some of them (partial approval).</param>
/// <param name="ExpiresAt">An earlier end than the requested duration allows; the requested duration when absent.</param>
public sealed record ApproveBody(IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt);

public sealed record ApproveRequest(IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt, Guid GrantId, DateTimeOffset Now);

/// <summary>An approval changes two streams: the request is answered, and a grant begins.</summary>
public sealed record Approval(AccessRequestApproved Approved, AccessGranted Granted);

public static partial class AccessRequestDecider
{
    public static Approval Decide(ApproveRequest command, AccessRequest request)
    {
        EnsurePending(request, command.Now, "approved");

        var errors = new ValidationContext(DateOnly.FromDateTime(command.Now.UtcDateTime));
        var scopes = command.Scopes ?? request.Scopes;
        ScopeRules.Validate(scopes, "scopes", errors, request.Scopes, "the scopes that were requested");

        IsoDuration.TryParse(request.Duration, out var duration);
        var latest = duration.AddTo(command.Now);
        var expiresAt = command.ExpiresAt is { } chosen ? VaultTime.Truncate(chosen) : latest;
        if (expiresAt > latest)
        {
            errors.Add("expiresAt", $"cannot be later than the requested duration allows ({latest:O}).");
        }
        else if (expiresAt <= command.Now)
        {
            errors.Add("expiresAt", "must be in the future.");
        }

        errors.ThrowIfInvalid();
        return new Approval(
            new AccessRequestApproved(request.Id, command.GrantId, scopes, expiresAt, command.Now),
            new AccessGranted(command.GrantId, request.VendorId, request.CustomerId, request.Id, scopes, request.Purpose, request.Description,
                request.ContactTerms, command.Now, expiresAt));
    }
}

/// <summary>The customer approves a request addressed to her, fully or only some of its scopes: a grant begins.</summary>
public static class ApproveRequestHandler
{
    public static RouteHandlerBuilder MapApproveRequest(this IEndpointRouteBuilder me) =>
        me.MapPost("/access-requests/{requestId:guid}/approve", Approve).WithName("ApproveAccessRequest")
            .WithSummary("Approve a request, fully or only some of its scopes, optionally until an earlier date; this creates a grant")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);

    private static async Task<Results<Ok<AccessRequestView>, ProblemHttpResult>> Approve(
        Guid requestId, ApproveBody? body, CustomerPrincipal customer, HttpRequest request, HttpResponse response,
        IDocumentSession session, IOptions<ConsentOptions> options, TimeProvider clock, CancellationToken cancellationToken) =>
        await GetAccessRequest.RespondAsync(
            await HandleAsync(session, options.Value, customer.Id, requestId, ETag.ExpectedVersion(request), body ?? new ApproveBody(null, null), clock.Now(), cancellationToken),
            Party.Customer(customer.Id), session, response, clock, cancellationToken);

    /// <summary>
    /// Approves her request, starting its grant (the API and the portal): the request as it is now, or null when she has no
    /// such request. A stale <paramref name="expectedVersion"/> fails with a concurrency error.
    /// </summary>
    public static async Task<AccessRequest?> HandleAsync(
        IDocumentSession session, ConsentOptions options, Guid customerId, Guid requestId, long? expectedVersion, ApproveBody body, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await session.BeginTransactionAsync(cancellationToken);
        await ConsentCaps.LockGrantsAsync(session, customerId, cancellationToken);
        var vendorId = (await Party.Customer(customerId).LoadAsync<AccessRequest>(session, requestId, cancellationToken))?.VendorId;
        var room = vendorId is { } id ? await ConsentCaps.GrantRoomAsync(session, customerId, id, now, cancellationToken) : null;
        return await Party.Customer(customerId).DecideAsync<AccessRequest>(session, requestId, expectedVersion, request =>
        {
            var approval = AccessRequestDecider.Decide(new ApproveRequest(body.Scopes, body.ExpiresAt, Guid.CreateVersion7(), now), request);
            ConsentCaps.EnsureRoom(room!, options);
            session.Events.StartStream<Grant>(approval.Granted.GrantId, approval.Granted);
            return approval.Approved;
        }, cancellationToken);
    }
}
