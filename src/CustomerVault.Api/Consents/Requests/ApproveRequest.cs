using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CustomerVault.Consents;

/// <param name="Scopes">The scopes approved: all requested scopes when absent, or only some of them (partial approval).</param>
/// <param name="ExpiresAt">An earlier end than the requested duration allows; the requested duration when absent.</param>
public sealed record ApproveBody(IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt);

/// <param name="Durations">The longest a grant may run, per purpose, as configured now.</param>
public sealed record ApproveRequest(IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt, Guid GrantId, DateTimeOffset Now, GrantDurations Durations);

/// <summary>An approval changes two streams: the request is answered, and a grant begins.</summary>
public sealed record Approval(AccessRequestApproved Approved, AccessGranted Granted);

/// <summary>The approval of a request that extends a grant: the request is answered, and the grant changes.</summary>
public sealed record Extension(AccessRequestApproved Approved, GrantExtended Extended);

public static partial class AccessRequestDecider
{
    public static Approval Decide(ApproveRequest command, AccessRequest request)
    {
        if (request.ExtendsGrantId is not null)
        {
            throw new InvalidOperationException("A request that extends a grant is decided with that grant.");
        }

        var (scopes, expiresAt) = Approved(command, request);
        return new Approval(
            new AccessRequestApproved(request.Id, command.GrantId, scopes, expiresAt, command.Now),
            new AccessGranted(command.GrantId, request.VendorId, request.CustomerId, request.Id, scopes, request.Purpose, request.Description,
                request.ContactTerms, command.Now, expiresAt));
    }

    /// <summary>Approves a request that extends <paramref name="extending"/>: the grant keeps its id and purpose, and takes the approved terms.</summary>
    public static Extension Decide(ApproveRequest command, AccessRequest request, Grant extending)
    {
        var (scopes, expiresAt) = Approved(command, request);
        if (extending.Id != request.ExtendsGrantId || extending.VendorId != request.VendorId || extending.CustomerId != request.CustomerId
            || extending.Purpose != request.Purpose || !extending.IsActiveAt(command.Now))
        {
            throw new ConflictException("The grant this request would extend is no longer active; deny the request, and the vendor can ask anew.",
                GrantDecider.StatusName(extending.StatusAt(command.Now)));
        }

        return new Extension(
            new AccessRequestApproved(request.Id, extending.Id, scopes, expiresAt, command.Now),
            new GrantExtended(extending.Id, request.Id, scopes, request.Description, request.ContactTerms, expiresAt, command.Now));
    }

    // What she approves: the scopes she kept of those requested, until the requested duration allows or an earlier end she chose.
    // The purpose's longest duration holds at approval too: a request asked before the limit was lowered ends no later than
    // the limit allows now (shortened, since she cannot be faulted for the vendor's terms, and a shorter grant only protects her).
    private static (IReadOnlyList<string> Scopes, DateTimeOffset ExpiresAt) Approved(ApproveRequest command, AccessRequest request)
    {
        EnsurePending(request, command.Now, "approved");

        var errors = new ValidationContext(DateOnly.FromDateTime(command.Now.UtcDateTime));
        var scopes = command.Scopes ?? request.Scopes;
        ScopeRules.Validate(scopes, "scopes", errors, request.Scopes, "the scopes that were requested");

        IsoDuration.TryParse(request.Duration, out var duration);
        var latest = Min(duration.AddTo(command.Now), command.Durations.LatestEnd(request.Purpose, command.Now));
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
        return (scopes, expiresAt);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}

/// <summary>The customer approves a request addressed to her, fully or only some of its scopes: a grant begins, or the grant it extends changes.</summary>
public static class ApproveRequestHandler
{
    public static RouteHandlerBuilder MapApproveRequest(this IEndpointRouteBuilder me) =>
        me.MapPost("/access-requests/{requestId:guid}/approve", Approve).WithName("ApproveAccessRequest")
            .WithSummary("Approve a request, fully or only some of its scopes, optionally until an earlier date; this creates a grant (or changes the one it extends)")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);

    private static async Task<Results<Ok<AccessRequestView>, ProblemHttpResult>> Approve(
        Guid requestId, ApproveBody? body, CustomerPrincipal customer, HttpRequest request, HttpResponse response,
        IDocumentSession session, IOptions<ConsentOptions> options, TimeProvider clock, CancellationToken cancellationToken) =>
        await GetAccessRequest.RespondAsync(
            await HandleAsync(session, options.Value, customer.Id, requestId, ETag.ExpectedVersion(request), body ?? new ApproveBody(null, null), clock.Now(), cancellationToken),
            Party.Customer(customer.Id), session, response, clock, cancellationToken);

    /// <summary>
    /// Approves her request, starting its grant or changing the one it extends (the API and the portal): the request as it
    /// is now, or null when she has no such request. A stale <paramref name="expectedVersion"/> fails with a concurrency error.
    /// </summary>
    public static async Task<AccessRequest?> HandleAsync(
        IDocumentSession session, ConsentOptions options, Guid customerId, Guid requestId, long? expectedVersion, ApproveBody body, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var party = Party.Customer(customerId);
        await session.BeginTransactionAsync(cancellationToken);
        await ConsentCaps.LockGrantsAsync(session, customerId, cancellationToken);
        // Fetched once, for writing: what it asks decides what else is read, and the decision is taken on the same state.
        var fetched = await session.Events.FetchForWriting<AccessRequest>(requestId, cancellationToken);
        var asked = fetched.Aggregate is { } found && party.IsPartyTo(found) ? found : null;
        // An extension changes a grant she holds; only a new grant needs room under the caps.
        var room = asked is { ExtendsGrantId: null } ? await ConsentCaps.GrantRoomAsync(session, customerId, asked.VendorId, now, cancellationToken) : null;
        var extending = asked is { ExtendsGrantId: { } grantId } ? await session.Events.FetchForWriting<Grant>(grantId, cancellationToken) : null;
        return await party.DecideAsync(session, fetched, expectedVersion,
            request => Append(session, request, new ApproveRequest(body.Scopes, body.ExpiresAt, Guid.CreateVersion7(), now, options.Durations()), extending, room, options),
            cancellationToken);
    }

    /// <summary>
    /// Decides the approval and appends its grant's side: a new grant's stream (when <paramref name="room"/>, counted
    /// under the customer's grant lock, allows one more), or the event on the grant it extends (<paramref name="extending"/>,
    /// fetched for writing). Returns the request's side, for its own stream.
    /// </summary>
    public static AccessRequestApproved Append(
        IDocumentSession session, AccessRequest request, ApproveRequest command, IEventStream<Grant>? extending, GrantRoom? room, ConsentOptions options)
    {
        if (request.ExtendsGrantId is null)
        {
            var approval = AccessRequestDecider.Decide(command, request);
            ConsentCaps.EnsureRoom(room ?? throw new InvalidOperationException("A new grant is approved only after counting the customer's grants."), options);
            session.Events.StartStream<Grant>(approval.Granted.GrantId, approval.Granted);
            return approval.Approved;
        }

        var extension = AccessRequestDecider.Decide(command, request,
            extending?.Aggregate ?? throw new ConflictException("The grant this request would extend no longer exists."));
        extending.AppendOne(extension.Extended);
        return extension.Approved;
    }
}
