using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Http;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Consents;

public sealed record ConfirmGrant(DateTimeOffset Now);

public static partial class GrantDecider
{
    /// <summary>She keeps sharing: her review is now, and a grant paused for want of her confirmation resumes.</summary>
    public static GrantConfirmed Decide(ConfirmGrant command, Grant grant)
    {
        EnsureActive(grant, command.Now, "confirmed");
        return new GrantConfirmed(grant.Id, grant.PausedAt is not null, command.Now);
    }
}

/// <summary>The customer confirms one of her grants ("still sharing"): one click, which also resumes a paused grant.</summary>
public static class ConfirmGrantHandler
{
    public static RouteHandlerBuilder MapConfirmGrant(this IEndpointRouteBuilder me) =>
        me.MapPost("/grants/{grantId:guid}/confirm", Confirm).WithName("ConfirmGrant")
            .WithSummary("Confirm that you keep sharing under a grant: it counts as reviewed now, and a paused grant resumes")
            .WithDescription("The vault reminds you of every active grant some time after you last reviewed it (granted, extended or confirmed it); "
                             + "for purposes that require it, a grant you do not confirm pauses, and the vendor's reads are refused until you confirm.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);

    private static async Task<Results<Ok<GrantView>, ProblemHttpResult>> Confirm(
        Guid grantId, CustomerPrincipal customer, HttpRequest request, HttpResponse response, IDocumentSession session, TimeProvider clock,
        CancellationToken cancellationToken) =>
        await GetGrant.RespondAsync(
            await HandleAsync(session, customer.Id, grantId, ETag.ExpectedVersion(request), clock.Now(), cancellationToken),
            Party.Customer(customer.Id), session, response, clock, cancellationToken);

    /// <summary>Confirms her grant (the API and the portal): the grant as it is now, or null when she has no such grant.</summary>
    public static Task<Grant?> HandleAsync(
        IDocumentSession session, Guid customerId, Guid grantId, long? expectedVersion, DateTimeOffset now, CancellationToken cancellationToken) =>
        Party.Customer(customerId).DecideAsync<Grant>(session, grantId, expectedVersion, grant => GrantDecider.Decide(new ConfirmGrant(now), grant), cancellationToken);
}
