using System.Text.Json;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CustomerVault.Identity;

/// <summary>
/// An OAuth client from configuration (<c>Vault:Clients:{clientId}</c>): the customer apps, and in Development
/// the demo vendor, auditor and operator. Customer apps are public clients that must use PKCE; every other kind
/// is a confidential client using client credentials, with a secret that lives in configuration, never in code.
/// </summary>
public sealed class ClientRegistration
{
    public string? DisplayName { get; set; }

    /// <summary>customer (an app customers sign in to), vendor, auditor or operator.</summary>
    public string ActorType { get; set; } = VaultClaims.ActorTypes.Customer;

    public string? Secret { get; set; }

    /// <summary>Customer apps: where the code goes (at least one). Vendors: where customers come back after their web flow (optional).</summary>
    public List<string> RedirectUris { get; set; } = [];

    public List<string> PostLogoutRedirectUris { get; set; } = [];

    // Vendors only: what the vendor registry records for a configured vendor.

    /// <summary>The vendor's id in the vault; default: derived from the client id.</summary>
    public Guid? VendorId { get; set; }

    public string? Website { get; set; }

    public string? ContactEmail { get; set; }

    /// <summary>The data scopes the vendor may ever ask for; default: all of the catalogue.</summary>
    public List<string>? DataScopes { get; set; }

    public string? WebhookUrl { get; set; }

    /// <summary>The webhook signing secret (whsec_...); generated when absent.</summary>
    public string? WebhookSecret { get; set; }
}

public static class ClientRegistrations
{
    public const string Section = "Vault:Clients";

    /// <summary>The kind of party a client acts for, kept in the client's registration properties.</summary>
    public const string ActorTypeProperty = "vault_actor";

    public static OpenIddictApplicationDescriptor Describe(string clientId, ClientRegistration registration)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            DisplayName = registration.DisplayName ?? clientId,
            Properties = { [ActorTypeProperty] = JsonSerializer.SerializeToElement(registration.ActorType) },
        };

        if (registration.ActorType == VaultClaims.ActorTypes.Customer)
        {
            if (registration.RedirectUris.Count == 0)
            {
                throw new InvalidOperationException($"{Section}:{clientId} is a customer app and needs at least one RedirectUris entry.");
            }

            // Customer apps run on the customer's device or in her browser: they cannot keep a secret.
            descriptor.ClientType = registration.Secret is null ? ClientTypes.Public : ClientTypes.Confidential;
            descriptor.ClientSecret = registration.Secret;
            descriptor.ConsentType = ConsentTypes.Implicit;
            descriptor.RedirectUris.UnionWith(registration.RedirectUris.Select(u => new Uri(u)));
            descriptor.PostLogoutRedirectUris.UnionWith(registration.PostLogoutRedirectUris.Select(u => new Uri(u)));
            descriptor.Permissions.UnionWith([
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession, Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code,
                Permissions.Scopes.Email, Permissions.Scopes.Profile,
            ]);
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }
        else
        {
            if (!VaultClaims.ActorTypes.Clients.Contains(registration.ActorType))
            {
                throw new InvalidOperationException($"{Section}:{clientId}:ActorType must be customer, vendor, auditor or operator.");
            }

            if (string.IsNullOrWhiteSpace(registration.Secret))
            {
                throw new InvalidOperationException($"{Section}:{clientId} is a {registration.ActorType} client and needs a Secret.");
            }

            descriptor.ClientType = ClientTypes.Confidential;
            descriptor.ClientSecret = registration.Secret;
            descriptor.Permissions.UnionWith([
                Permissions.Endpoints.Token, Permissions.Endpoints.Introspection, Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.ClientCredentials,
            ]);
        }

        descriptor.Permissions.UnionWith(VaultScopes.ForActorType(registration.ActorType).Select(s => Permissions.Prefixes.Scope + s));
        return descriptor;
    }

    /// <summary>The customer app Swagger UI signs in as, in Development (<c>Vault:SwaggerUi:ClientId</c>).</summary>
    public static string SwaggerUiClientId(IConfiguration configuration) => configuration["Vault:SwaggerUi:ClientId"] ?? "vault-customer-app";

    public static Dictionary<string, ClientRegistration> Configured(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<Dictionary<string, ClientRegistration>>() ?? [];

    /// <summary>
    /// Creates or updates the configured clients, so a changed redirect URI or secret takes effect at the next start.
    /// Vendor clients are left to the vendor registry, which records the vendor with its client.
    /// </summary>
    public static async Task SeedAsync(IServiceProvider services, IConfiguration configuration, CancellationToken cancellationToken)
    {
        var applications = services.GetRequiredService<IOpenIddictApplicationManager>();
        var development = services.GetRequiredService<IHostEnvironment>().IsDevelopment();
        var issuer = services.GetRequiredService<VaultIssuer>();
        foreach (var (clientId, registration) in Configured(configuration).Where(c => c.Value.ActorType != VaultClaims.ActorTypes.Vendor))
        {
            var descriptor = Describe(clientId, registration);
            if (development && clientId == SwaggerUiClientId(configuration))
            {
                // Swagger UI's Authorize comes back to the address the vault runs at, whatever its port: in Development
                // that is the issuer, so its redirect follows the issuer instead of being configured for one port.
                descriptor.RedirectUris.Add(new Uri(issuer.Uri, "swagger/oauth2-redirect.html"));
                descriptor.PostLogoutRedirectUris.Add(issuer.Uri);
            }
            var existing = await applications.FindByClientIdAsync(clientId, cancellationToken);
            if (existing is null)
            {
                await applications.CreateAsync(descriptor, cancellationToken);
            }
            else
            {
                await applications.UpdateAsync(existing, descriptor, cancellationToken);
            }
        }
    }

    public static async Task<string?> ActorTypeOfAsync(this IOpenIddictApplicationManager applications, object application, CancellationToken cancellationToken)
    {
        var properties = await applications.GetPropertiesAsync(application, cancellationToken);
        return properties.TryGetValue(ActorTypeProperty, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
