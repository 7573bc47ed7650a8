using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Http;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Consents;

public sealed record RevokeBody(string? Reason);

public sealed record RevokeGrant(string? Reason, DateTimeOffset Now);

public static partial class GrantDecider
{
    public static GrantRevoked Decide(RevokeGrant command, Grant grant)
    {
        EnsureActive(grant, command.Now, "revoked");
        return new GrantRevoked(grant.Id, Reason(command.Reason), command.Now);
    }
}

/// <summary>The customer revokes one of her grants: the vendor's very next read is refused.</summary>
public static class RevokeGrantHandler
{
    public static RouteHandlerBuilder MapRevokeGrant(this IEndpointRouteBuilder me) =>
        me.MapPost("/grants/{grantId:guid}/revoke", Revoke).WithName("RevokeGrant")
            .WithSummary("Revoke a grant: the vendor's very next read is refused")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);

    private static async Task<Results<Ok<GrantView>, ProblemHttpResult>> Revoke(
        Guid grantId, RevokeBody? body, CustomerPrincipal customer, HttpRequest request, HttpResponse response, IDocumentSession session,
        TimeProvider clock, CancellationToken cancellationToken) =>
        await GetGrant.RespondAsync(
            await HandleAsync(session, customer.Id, grantId, ETag.ExpectedVersion(request), body?.Reason, clock.Now(), cancellationToken),
            Party.Customer(customer.Id), session, response, clock, cancellationToken);

    /// <summary>Revokes her grant (the API and the portal): the grant as it is now, or null when she has no such grant.</summary>
    public static Task<Grant?> HandleAsync(
        IDocumentSession session, Guid customerId, Guid grantId, long? expectedVersion, string? reason, DateTimeOffset now, CancellationToken cancellationToken) =>
        Party.Customer(customerId).DecideAsync<Grant>(session, grantId, expectedVersion,
            grant => GrantDecider.Decide(new RevokeGrant(reason, now), grant), cancellationToken);
}
