using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Http;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Consents;

/// <param name="Reason">Shown to the vendor.</param>
public sealed record DenyBody(string? Reason);

public sealed record DenyRequest(string? Reason, DateTimeOffset Now);

public static partial class AccessRequestDecider
{
    public static AccessRequestDenied Decide(DenyRequest command, AccessRequest request)
    {
        EnsurePending(request, command.Now, "denied");
        if (command.Reason is { Length: > MaxReasonLength })
        {
            throw RequestValidationException.For("reason", $"must be at most {MaxReasonLength} characters.");
        }

        return new AccessRequestDenied(request.Id, string.IsNullOrWhiteSpace(command.Reason) ? null : command.Reason.Trim(), command.Now);
    }
}

/// <summary>The customer denies a request addressed to her, optionally saying why.</summary>
public static class DenyRequestHandler
{
    public static RouteHandlerBuilder MapDenyRequest(this IEndpointRouteBuilder me) =>
        me.MapPost("/access-requests/{requestId:guid}/deny", Deny).WithName("DenyAccessRequest").WithSummary("Deny a request, optionally saying why")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);

    private static async Task<Results<Ok<AccessRequestView>, ProblemHttpResult>> Deny(
        Guid requestId, DenyBody? body, CustomerPrincipal customer, HttpRequest request, HttpResponse response,
        IDocumentSession session, TimeProvider clock, CancellationToken cancellationToken) =>
        await GetAccessRequest.RespondAsync(
            await HandleAsync(session, customer.Id, requestId, ETag.ExpectedVersion(request), body?.Reason, clock.Now(), cancellationToken),
            Party.Customer(customer.Id), session, response, clock, cancellationToken);

    /// <summary>Denies her request (the API and the portal): the request as it is now, or null when she has no such request.</summary>
    public static Task<AccessRequest?> HandleAsync(
        IDocumentSession session, Guid customerId, Guid requestId, long? expectedVersion, string? reason, DateTimeOffset now, CancellationToken cancellationToken) =>
        Party.Customer(customerId).DecideAsync<AccessRequest>(session, requestId, expectedVersion,
            request => AccessRequestDecider.Decide(new DenyRequest(reason, now), request), cancellationToken);
}
