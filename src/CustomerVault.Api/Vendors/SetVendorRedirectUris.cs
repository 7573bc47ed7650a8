using CustomerVault.Infrastructure;
using CustomerVault.Kernel;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Vendors;

/// <param name="RedirectUris">The complete new list; empty to take the vendor's web flow away.</param>
public sealed record RedirectUrisBody(IReadOnlyList<string>? RedirectUris);

public sealed record SetVendorRedirectUris(IReadOnlyList<string>? RedirectUris, DateTimeOffset Now);

public static partial class VendorDecider
{
    public const int MaxRedirectUris = 10;

    public static VendorRedirectUrisChanged Decide(SetVendorRedirectUris command, Vendor vendor)
    {
        var errors = new ValidationContext(DateOnly.FromDateTime(command.Now.UtcDateTime));
        if (command.RedirectUris is null)
        {
            errors.Add("redirectUris", "is required: the complete list, or an empty one.");
        }

        ValidateRedirectUris(command.RedirectUris ?? [], "redirectUris", errors);
        errors.ThrowIfInvalid();
        return new VendorRedirectUrisChanged(vendor.Id, command.RedirectUris!, command.Now);
    }

    /// <summary>
    /// Where a customer's browser may be sent with an authorization code: absolute, exact (no fragment, no wildcard), and
    /// over https, except to the vendor's own machine (RFC 8252: http on a loopback address) for development.
    /// </summary>
    public static void ValidateRedirectUris(IReadOnlyList<string> uris, string field, ValidationContext errors)
    {
        if (uris.Count > MaxRedirectUris)
        {
            errors.Add(field, $"may list at most {MaxRedirectUris} addresses.");
        }

        foreach (var text in uris)
        {
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || !string.IsNullOrEmpty(uri.Fragment) || text.Contains('*'))
            {
                errors.Add(field, $"'{text}' is not an absolute URL without a fragment.");
            }
            else if (uri.Scheme != Uri.UriSchemeHttps && !(uri.Scheme == Uri.UriSchemeHttp && uri.IsLoopback))
            {
                errors.Add(field, $"'{text}' must use https (http only to a loopback address).");
            }
        }

        if (uris.Distinct(StringComparer.Ordinal).Count() != uris.Count)
        {
            errors.Add(field, "lists an address twice.");
        }
    }
}

/// <summary>An operator sets where the vault may send customers back after the vendor's web flow.</summary>
public static class SetVendorRedirectUrisHandler
{
    public static RouteHandlerBuilder MapSetVendorRedirectUris(this IEndpointRouteBuilder vendors) =>
        vendors.MapPut("/{vendorId:guid}/redirect-uris", Set).WithName("SetVendorRedirectUris")
            .WithSummary("Replace the addresses the vault may send customers back to after the vendor's web flow (authorization code + PAR)")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);

    // The event and the OAuth client's redirect URIs are written together by the registry (VendorRegistry.SetRedirectUrisAsync).
    private static async Task<Results<Ok<VendorView>, ProblemHttpResult>> Set(
        Guid vendorId, RedirectUrisBody body, VendorRegistry registry, TimeProvider clock, CancellationToken cancellationToken) =>
        await registry.SetRedirectUrisAsync(vendorId, new SetVendorRedirectUris(body.RedirectUris, clock.Now()), cancellationToken) is { } vendor
            ? TypedResults.Ok(VendorView.Of(vendor))
            : GetVendors.NotFound();
}
