using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Http;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Consents;

/// <param name="ReasonCode">Why, in one of the vault's words (see <see cref="RevocationReasons"/>); the vendor sees it only counted with other customers' in its scorecard.</param>
/// <param name="Reason">Why, in your own words: private to you, never shown to the vendor.</param>
public sealed record RevokeBody(string? Reason, string? ReasonCode = null);

public sealed record RevokeGrant(string? Reason, DateTimeOffset Now, string? ReasonCode = null);

/// <summary>
/// The reasons she can give for revoking. A fixed list, so a vendor can learn from them in aggregate without anyone's
/// own words ever reaching it.
/// </summary>
public static class RevocationReasons
{
    public const string Other = "other";

    public static readonly IReadOnlyList<string> Codes =
        ["no-longer-needed", "too-many-messages", "did-not-expect-this-use", "asks-for-too-much", "do-not-trust-them", "switched-provider", Other];

    public static bool IsKnown(string? code) => code is not null && Codes.Contains(code, StringComparer.Ordinal);
}

public static partial class GrantDecider
{
    public static GrantRevoked Decide(RevokeGrant command, Grant grant)
    {
        if (command.ReasonCode is not null && !RevocationReasons.IsKnown(command.ReasonCode))
        {
            throw RequestValidationException.For("reasonCode", $"must be one of: {string.Join(", ", RevocationReasons.Codes)}.");
        }

        EnsureActive(grant, command.Now, "revoked");
        return new GrantRevoked(grant.Id, Reason(command.Reason), command.Now, command.ReasonCode);
    }
}

/// <summary>The customer revokes one of her grants: the vendor's very next read is refused.</summary>
public static class RevokeGrantHandler
{
    public static RouteHandlerBuilder MapRevokeGrant(this IEndpointRouteBuilder me) =>
        me.MapPost("/grants/{grantId:guid}/revoke", Revoke).WithName("RevokeGrant")
            .WithSummary("Revoke a grant: the vendor's very next read is refused")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);

    private static async Task<Results<Ok<GrantView>, ProblemHttpResult>> Revoke(
        Guid grantId, RevokeBody? body, CustomerPrincipal customer, HttpRequest request, HttpResponse response, IDocumentSession session,
        TimeProvider clock, CancellationToken cancellationToken) =>
        await GetGrant.RespondAsync(
            await HandleAsync(session, customer.Id, grantId, ETag.ExpectedVersion(request), body?.Reason, clock.Now(), cancellationToken, body?.ReasonCode),
            Party.Customer(customer.Id), session, response, clock, cancellationToken);

    /// <summary>Revokes her grant (the API and the portal): the grant as it is now, or null when she has no such grant.</summary>
    public static Task<Grant?> HandleAsync(
        IDocumentSession session, Guid customerId, Guid grantId, long? expectedVersion, string? reason, DateTimeOffset now, CancellationToken cancellationToken,
        string? reasonCode = null) =>
        Party.Customer(customerId).DecideAsync<Grant>(session, grantId, expectedVersion,
            grant => GrantDecider.Decide(new RevokeGrant(reason, now, reasonCode), grant), cancellationToken);
}
