using CustomerVault.Connections;
using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace CustomerVault.Consents;

/// <param name="VendorId">A registered vendor (its id is in its requests, or the operator's directory).</param>
/// <param name="ExpiresAt">When the grant ends; at most the purpose's longest duration from now (Vault:Consents:MaxDuration: P12M for marketing and analytics, P24M otherwise, by default).</param>
public sealed record GrantBody(Guid VendorId, IReadOnlyList<string>? Scopes, string? Purpose, string? Description, DateTimeOffset? ExpiresAt, ContactTerms? ContactTerms);

/// <summary>The customer grants a vendor access on her own initiative, with no request.</summary>
public sealed record GrantAccess(
    Guid GrantId, Guid CustomerId, Guid VendorId, IReadOnlyList<string> VendorScopeCeiling, IReadOnlyList<string>? Scopes, string? Purpose,
    string? Description, DateTimeOffset? ExpiresAt, ContactTerms? ContactTerms, DateTimeOffset Now, GrantDurations Durations);

public static partial class GrantDecider
{
    public static AccessGranted Decide(GrantAccess command)
    {
        var errors = new ValidationContext(DateOnly.FromDateTime(command.Now.UtcDateTime));
        ScopeRules.Validate(command.Scopes, "scopes", errors, command.VendorScopeCeiling, "the scopes this vendor is registered for");
        if (!Purposes.IsKnown(command.Purpose))
        {
            errors.Add("purpose", $"must be one of {string.Join(", ", Purposes.All)}.");
        }

        if (command.Description is { Length: > AccessRequestDecider.MaxDescriptionLength })
        {
            errors.Add("description", $"must be at most {AccessRequestDecider.MaxDescriptionLength} characters.");
        }

        if (command.ExpiresAt is not { } expiresAt)
        {
            errors.Add("expiresAt", "is required: every grant ends.");
        }
        else if (expiresAt <= command.Now || expiresAt > command.Now.AddYears(2))
        {
            errors.Add("expiresAt", "must be in the future and at most two years from now.");
        }
        else if (Purposes.IsKnown(command.Purpose) && expiresAt > command.Durations.LatestEnd(command.Purpose!, command.Now))
        {
            errors.Add("expiresAt", $"must be at most {command.Durations.Describe(command.Purpose!)} from now "
                                    + $"({command.Durations.LatestEnd(command.Purpose!, command.Now):yyyy-MM-dd}): the longest a {command.Purpose} grant may run.");
        }

        ContactTerms.Validate(command.ContactTerms, "contactTerms", errors);
        errors.ThrowIfInvalid();

        return new AccessGranted(command.GrantId, command.VendorId, command.CustomerId, null, command.Scopes!, command.Purpose!,
            command.Description?.Trim() ?? "", command.ContactTerms, command.Now, VaultTime.Truncate(command.ExpiresAt!.Value));
    }
}

/// <summary>The customer grants a registered vendor access on her own initiative.</summary>
public static class GrantAccessHandler
{
    public static RouteHandlerBuilder MapGrantAccess(this IEndpointRouteBuilder me) =>
        me.MapPost("/grants", Create).WithName("GrantAccess")
            .WithSummary("Grant a registered vendor access on your own initiative, no request needed")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Results<Created<GrantView>, ProblemHttpResult>> Create(
        GrantBody body, CustomerPrincipal customer, IDocumentSession session, IOptions<ConsentOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        if (await HandleAsync(session, options.Value, customer.Id, body, now, cancellationToken) is not { } grant)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such vendor.");
        }

        return TypedResults.Created($"/v1/me/grants/{grant.Id}", (await session.ViewsAsync(Party.Customer(customer.Id), [grant], now, options.Value.DeletionConfirmationPeriod, cancellationToken))[0]);
    }

    /// <summary>Grants the vendor access (the API and the portal): the new grant, or null when there is no such vendor.</summary>
    public static async Task<Grant?> HandleAsync(
        IDocumentSession session, ConsentOptions options, Guid customerId, GrantBody body, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var vendor = await session.LoadAsync<Vendor>(body.VendorId, cancellationToken);
        if (vendor is null)
        {
            return null;
        }

        if (vendor.Status == VendorStatus.Suspended)
        {
            throw new ConflictException("This vendor is suspended; it cannot be granted access now.", VendorDecider.Name(vendor.Status));
        }

        var granted = GrantDecider.Decide(new GrantAccess(Guid.CreateVersion7(), customerId, vendor.Id, vendor.Scopes, body.Scopes,
            body.Purpose, body.Description, body.ExpiresAt, body.ContactTerms, now, options.Durations()));
        await session.BeginTransactionAsync(cancellationToken);
        await ConsentCaps.LockGrantsAsync(session, customerId, cancellationToken);
        ConsentCaps.EnsureRoom(await ConsentCaps.GrantRoomAsync(session, customerId, vendor.Id, now, cancellationToken), options);
        // The vendor gets to know her now: its notifications and views name her by its own id for her.
        await PairwiseIds.EnsureAsync(session, vendor.Id, customerId, Via.Grant, now, cancellationToken);
        session.Events.StartStream<Grant>(granted.GrantId, granted);
        await session.SaveChangesAsync(cancellationToken);
        return Grant.Create(granted);
    }
}
