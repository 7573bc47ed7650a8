using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Kernel;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Vendors;

/// <summary>How long the vendor keeps data it obtained for a purpose once the grant that allowed it ends.</summary>
/// <param name="Purpose">One of the vault's purposes.</param>
/// <param name="Period">An ISO 8601 duration: P0D (deleted at once), P30D, P6M, P7Y.</param>
public sealed record DeclaredRetention(string Purpose, string Period);

public sealed record RetentionBody(IReadOnlyList<DeclaredRetention>? Retention);

public sealed record SetVendorRetention(IReadOnlyList<DeclaredRetention>? Retention, DateTimeOffset Now);

public static partial class VendorDecider
{
    public static VendorRetentionDeclared Decide(SetVendorRetention command, Vendor vendor)
    {
        var errors = new ValidationContext(DateOnly.FromDateTime(command.Now.UtcDateTime));
        ValidateRetention(command.Retention ?? [], "retention", errors, command.Now);
        errors.ThrowIfInvalid();
        return new VendorRetentionDeclared(vendor.Id, command.Retention ?? [], command.Now);
    }

    private static void ValidateRetention(IReadOnlyList<DeclaredRetention> retention, string field, ValidationContext errors, DateTimeOffset now)
    {
        foreach (var (declared, i) in retention.Select((r, i) => (r, i)))
        {
            if (!Purposes.IsKnown(declared?.Purpose))
            {
                errors.Add($"{field}[{i}].purpose", $"must be one of {string.Join(", ", Purposes.All)}.");
            }

            // A century is already longer than any retention law asks for; beyond it the calendar arithmetic is the only limit.
            if (!IsoDuration.TryParse(declared?.Period, out var period) || period.Years > 100 || period.Months > 1200
                || (period.Weeks * 7) + period.Days > 36600 || period.Hours > 876000 || period.Minutes > 52560000)
            {
                errors.Add($"{field}[{i}].period", "must be an ISO 8601 duration of at most 100 years, such as P30D, P6M or P7Y.");
            }
        }

        if (retention.Where(r => r is not null).GroupBy(r => r.Purpose).Any(g => g.Count() > 1))
        {
            errors.Add(field, "names a purpose twice.");
        }
    }
}

/// <summary>An operator records how long the vendor keeps data for each purpose once a grant ends; customers see it before they decide.</summary>
public static class SetVendorRetentionHandler
{
    public static RouteHandlerBuilder MapSetVendorRetention(this IEndpointRouteBuilder vendors) =>
        vendors.MapPut("/{vendorId:guid}/retention", Set).WithName("SetVendorRetention")
            .WithSummary("Replace the vendor's declared retention per purpose, shown to customers before they decide")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<VendorView>, ProblemHttpResult>> Set(
        Guid vendorId, RetentionBody body, IDocumentSession session, TimeProvider clock, CancellationToken cancellationToken) =>
        await session.DecideAsync<Vendor>(vendorId, null, _ => true,
                vendor => VendorDecider.Decide(new SetVendorRetention(body.Retention, clock.Now()), vendor), cancellationToken) is { } vendor
            ? TypedResults.Ok(VendorView.Of(vendor))
            : GetVendors.NotFound();
}
