using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Consents;

public sealed record RelinquishBody(string? Reason);

public sealed record RelinquishGrant(string? Reason, DateTimeOffset Now);

public static partial class GrantDecider
{
    public static GrantRelinquished Decide(RelinquishGrant command, Grant grant)
    {
        EnsureActive(grant, command.Now, "relinquished");
        return new GrantRelinquished(grant.Id, Reason(command.Reason), command.Now);
    }
}

/// <summary>A vendor gives up one of its grants that it no longer needs.</summary>
public static class RelinquishGrantHandler
{
    public static RouteHandlerBuilder MapRelinquishGrant(this IEndpointRouteBuilder vendor) =>
        vendor.MapPost("/grants/{grantId:guid}/relinquish", Relinquish).WithName("RelinquishGrant")
            .WithSummary("Give up a grant you no longer need")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);

    private static async Task<Results<Ok<GrantView>, ProblemHttpResult>> Relinquish(
        Guid grantId, RelinquishBody? body, CallingVendor vendor, HttpRequest request, HttpResponse response, IDocumentSession session,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var party = Party.Vendor(vendor.Id);
        var relinquished = await party.DecideAsync<Grant>(session, grantId, ETag.ExpectedVersion(request),
            grant => GrantDecider.Decide(new RelinquishGrant(body?.Reason, now), grant), cancellationToken);
        return await GetGrant.RespondAsync(relinquished, party, session, response, clock, cancellationToken);
    }
}
