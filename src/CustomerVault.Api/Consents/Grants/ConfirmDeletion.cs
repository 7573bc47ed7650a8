using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Consents;

/// <param name="Outcome">deleted, or de-identified (nothing left that relates to her).</param>
/// <param name="Scopes">The scopes whose data this covers: once the grant ended, every scope of it not confirmed before; while it is active, only scopes a narrowing removed.</param>
/// <param name="PerformedAt">When you deleted or de-identified the data; not in the future, not before the grant began.</param>
public sealed record DeletionConfirmationBody(string? Outcome, IReadOnlyList<string>? Scopes, DateTimeOffset? PerformedAt);

public sealed record ConfirmDeletion(string? Outcome, IReadOnlyList<string>? Scopes, DateTimeOffset? PerformedAt, DateTimeOffset Now);

public static class DeletionOutcomes
{
    public const string Deleted = "deleted";
    public const string DeIdentified = "de-identified";

    public static readonly IReadOnlyList<string> All = [Deleted, DeIdentified];
}

public static partial class GrantDecider
{
    /// <summary>How far a vendor's clock may be off the vault's when it says when it deleted (a timestamp in whole seconds, say).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(1);

    // Regulators that require deletion when consent ends (Australia's CDR, the GDPR's erasure) leave the vendor one
    // statement per ending; a second would rewrite what she was told, so it is refused rather than recorded.
    public static GrantDeletionConfirmed Decide(ConfirmDeletion command, Grant grant)
    {
        var errors = new ValidationContext(DateOnly.FromDateTime(command.Now.UtcDateTime));
        if (command.Outcome is null || !DeletionOutcomes.All.Contains(command.Outcome, StringComparer.Ordinal))
        {
            errors.Add("outcome", $"must be one of: {string.Join(", ", DeletionOutcomes.All)}.");
        }

        if (command.PerformedAt is not { } performedAt)
        {
            errors.Add("performedAt", "is required: when the data was deleted or de-identified.");
        }
        else if (performedAt > command.Now + ClockSkew)
        {
            errors.Add("performedAt", "must not be in the future.");
        }
        else if (performedAt < grant.GrantedAt - ClockSkew)
        {
            errors.Add("performedAt", "must not be before the grant began.");
        }

        var held = grant.Scopes.Concat(grant.Removals.SelectMany(r => r.Scopes)).Distinct(StringComparer.Ordinal).ToList();
        var confirmed = grant.Deletions.SelectMany(d => d.Scopes).ToHashSet(StringComparer.Ordinal);
        ScopeRules.Validate(command.Scopes, "scopes", errors,
            grant.Scopes.Concat(grant.Removals.SelectMany(r => r.Scopes)).Concat(confirmed), "the scopes this grant covered");
        errors.ThrowIfInvalid();

        var ended = grant.StatusAt(command.Now) != GrantStatus.Active;
        if (grant.Deletions.Any(d => d.Final))
        {
            throw new ConflictException("Deletion was already confirmed for this grant.", "deletion-confirmed");
        }

        if (!ended)
        {
            var removed = grant.Removals.SelectMany(r => r.Scopes).ToHashSet(StringComparer.Ordinal);
            if (removed.Count == 0)
            {
                throw new ConflictException("The grant is active; deletion can be confirmed once it ends, or for scopes a narrowing removed.", "active");
            }

            if (command.Scopes!.FirstOrDefault(s => !removed.Contains(s)) is { } stillHeld)
            {
                throw new ConflictException(confirmed.Contains(stillHeld)
                    ? $"Deletion of '{stillHeld}' was already confirmed."
                    : $"The grant is active and still covers '{stillHeld}'; only scopes a narrowing removed can be confirmed before it ends.", "active");
            }
        }
        else if (held.Except(command.Scopes!, StringComparer.Ordinal).ToList() is { Count: > 0 } missing)
        {
            throw RequestValidationException.For("scopes", $"must cover every scope of the ended grant not confirmed before; missing: {string.Join(", ", missing)}.");
        }

        // Within the skew allowed, "a moment from now" by the vendor's clock is recorded as now by the vault's.
        var performed = VaultTime.Truncate(command.PerformedAt!.Value);
        performed = performed > command.Now ? command.Now : performed;
        return new GrantDeletionConfirmed(grant.Id, command.Outcome!, command.Scopes!, performed, command.Now, ended);
    }
}

/// <summary>The vendor confirms it deleted or de-identified what it held under a grant that ended (or scopes a narrowing removed).</summary>
public static class ConfirmDeletionHandler
{
    public static RouteHandlerBuilder MapConfirmDeletion(this IEndpointRouteBuilder vendor) =>
        vendor.MapPost("/grants/{grantId:guid}/deletion-confirmation", Confirm).WithName("ConfirmDeletion")
            .WithSummary("Confirm you deleted or de-identified the data you held under a grant that ended, or scopes a narrowing removed")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict).ProducesProblem(StatusCodes.Status412PreconditionFailed);

    private static async Task<Results<Ok<GrantView>, ProblemHttpResult>> Confirm(
        Guid grantId, DeletionConfirmationBody body, CallingVendor vendor, HttpRequest request, HttpResponse response, IDocumentSession session,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var party = Party.Vendor(vendor.Id);
        var confirmed = await party.DecideAsync<Grant>(session, grantId, ETag.ExpectedVersion(request),
            grant => GrantDecider.Decide(new ConfirmDeletion(body.Outcome, body.Scopes, body.PerformedAt, now), grant), cancellationToken);
        return await GetGrant.RespondAsync(confirmed, party, session, response, clock, cancellationToken);
    }
}
