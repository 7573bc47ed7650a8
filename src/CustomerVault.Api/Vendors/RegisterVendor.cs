using CustomerVault.Kernel;
using CustomerVault.Profiles;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Vendors;

/// <param name="RedirectUris">Where the vault may send a customer back after the vendor's web flow ("Connect with CustomerVault"): https, or http to a loopback address.</param>
/// <param name="Retention">How long the vendor keeps data per purpose once a grant ends; customers see it before they decide.</param>
public sealed record RegisterVendor(
    string? DisplayName, string? Website, string? ContactEmail, IReadOnlyList<string>? Scopes, string? WebhookUrl, IReadOnlyList<string>? RedirectUris = null,
    IReadOnlyList<DeclaredRetention>? Retention = null);

/// <param name="ClientSecret">Shown this once: the vault keeps only a hash of it.</param>
/// <param name="WebhookSecret">Shown this once: the vendor verifies the vault's notifications with it (it can rotate it).</param>
public sealed record VendorCredentials(VendorView Vendor, string ClientId, string ClientSecret, string? WebhookSecret);

public static partial class VendorDecider
{
    public static VendorRegistered Decide(RegisterVendor command, Guid vendorId, string clientId, DateTimeOffset now)
    {
        var errors = new ValidationContext(DateOnly.FromDateTime(now.UtcDateTime));
        if (string.IsNullOrWhiteSpace(command.DisplayName) || command.DisplayName.Length > 200)
        {
            errors.Add("displayName", "must be 1 to 200 characters.");
        }

        if (command.Website is not null && !IsWebUrl(command.Website))
        {
            errors.Add("website", "must be an absolute http or https URL.");
        }

        if (command.ContactEmail is null || !Catalog.IsEmail(command.ContactEmail))
        {
            errors.Add("contactEmail", "must be an e-mail address where the vendor's privacy contact can be reached.");
        }

        ScopeRules.Validate(command.Scopes, "scopes", errors);
        if (command.WebhookUrl is not null && !IsWebUrl(command.WebhookUrl))
        {
            errors.Add("webhookUrl", "must be an absolute http or https URL.");
        }

        ValidateRedirectUris(command.RedirectUris ?? [], "redirectUris", errors);
        ValidateRetention(command.Retention ?? [], "retention", errors, now);
        errors.ThrowIfInvalid();
        return new VendorRegistered(vendorId, clientId, command.DisplayName!.Trim(), command.Website, command.ContactEmail!, command.Scopes!, command.WebhookUrl, now,
            command.RedirectUris ?? [], command.Retention is { Count: > 0 } retention ? retention : null);
    }

    private static bool IsWebUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);
}

/// <summary>An operator registers a vendor; the vault creates its OAuth client (client credentials) in the same transaction.</summary>
public static class RegisterVendorHandler
{
    public static RouteHandlerBuilder MapRegisterVendor(this IEndpointRouteBuilder vendors) =>
        vendors.MapPost("/", Register).WithName("RegisterVendor")
            .WithSummary("Register a vendor and create its OAuth client (client credentials)")
            .WithDescription("The response carries the client secret once; the vault stores only its hash.")
            .ProducesValidationProblem();

    // The vendor's stream and its OAuth client are written together by the registry (VendorRegistry.RegisterAsync).
    private static async Task<Created<VendorCredentials>> Register(RegisterVendor command, VendorRegistry registry, CancellationToken cancellationToken)
    {
        var (vendor, secret, webhookSecret) = await registry.RegisterAsync(command, cancellationToken);
        return TypedResults.Created($"/v1/vendors/{vendor.Id}", new VendorCredentials(VendorView.Of(vendor), vendor.ClientId, secret, webhookSecret));
    }
}
