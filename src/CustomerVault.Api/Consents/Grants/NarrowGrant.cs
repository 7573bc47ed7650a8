using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Consents;

public sealed record NarrowBody(IReadOnlyList<string>? RemoveScopes);

public sealed record NarrowGrant(IReadOnlyList<string>? RemoveScopes, DateTimeOffset Now);

public static partial class GrantDecider
{
    public static GrantNarrowed Decide(NarrowGrant command, Grant grant)
    {
        EnsureActive(grant, command.Now, "narrowed");
        var errors = new ValidationContext(DateOnly.FromDateTime(command.Now.UtcDateTime));
        ScopeRules.Validate(command.RemoveScopes, "removeScopes", errors, grant.Scopes, "the scopes of this grant");
        if (!errors.HasErrors && command.RemoveScopes!.Count == grant.Scopes.Count)
        {
            errors.Add("removeScopes", "would remove every scope; revoke the grant instead.");
        }

        errors.ThrowIfInvalid();
        var remaining = grant.Scopes.Except(command.RemoveScopes!, StringComparer.Ordinal).ToList();
        return new GrantNarrowed(grant.Id, command.RemoveScopes!, remaining, command.Now);
    }
}

/// <summary>The customer removes some scopes from one of her active grants without ending it.</summary>
public static class NarrowGrantHandler
{
    public static RouteHandlerBuilder MapNarrowGrant(this IEndpointRouteBuilder me) =>
        me.MapPost("/grants/{grantId:guid}/narrow", Narrow).WithName("NarrowGrant")
            .WithSummary("Remove some scopes from an active grant without ending it")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);

    private static async Task<Results<Ok<GrantView>, ProblemHttpResult>> Narrow(
        Guid grantId, NarrowBody body, CustomerPrincipal customer, HttpRequest request, HttpResponse response, IDocumentSession session,
        TimeProvider clock, CancellationToken cancellationToken) =>
        await GetGrant.RespondAsync(
            await HandleAsync(session, customer.Id, grantId, ETag.ExpectedVersion(request), body.RemoveScopes, clock.Now(), cancellationToken),
            Party.Customer(customer.Id), session, response, clock, cancellationToken);

    /// <summary>Narrows her grant (the API and the portal): the grant as it is now, or null when she has no such grant.</summary>
    public static Task<Grant?> HandleAsync(
        IDocumentSession session, Guid customerId, Guid grantId, long? expectedVersion, IReadOnlyList<string>? removeScopes, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        Party.Customer(customerId).DecideAsync<Grant>(session, grantId, expectedVersion,
            grant => GrantDecider.Decide(new NarrowGrant(removeScopes, now), grant), cancellationToken);
}
