using Microsoft.Extensions.Options;

namespace CustomerVault.VendorConsent;

/// <summary>Settings of vendors' web flows (section <c>Vault:VendorConsent</c>).</summary>
public sealed class VendorConsentOptions
{
    public const string Section = "Vault:VendorConsent";

    /// <summary>
    /// How long a pushed request's request_uri stays usable: long enough for a customer to sign up and read the consent
    /// page (she posts her answer with it), short enough that a leaked one is soon worthless. It dies at her answer anyway.
    /// </summary>
    public TimeSpan RequestUriLifetime { get; set; } = TimeSpan.FromMinutes(15);
}

public static class VendorConsentSetup
{
    /// <summary>
    /// The vendors' side of the authorization server: pushed authorization requests with their authorization details
    /// checked, the consent page as a second authorization endpoint, the details as granted in the token response, and
    /// what discovery says of it all.
    /// </summary>
    public static IHostApplicationBuilder AddVaultVendorConsent(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<VendorConsentOptions>().Bind(builder.Configuration.GetSection(VendorConsentOptions.Section))
            .Validate(o => o.RequestUriLifetime >= TimeSpan.FromSeconds(10), $"{VendorConsentOptions.Section}:RequestUriLifetime must be at least ten seconds.")
            .ValidateOnStart();
        services.AddOpenIddict().AddServer(options =>
        {
            options.SetPushedAuthorizationEndpointUris(VendorConsentPaths.PushedAuthorization);
            options.AddEventHandler(ValidatePushedRequest.Descriptor);
            options.AddEventHandler(TokenResponse.Descriptor);
            options.AddEventHandler(VendorDiscovery.Descriptor);
        });
        services.AddOptions<OpenIddict.Server.OpenIddictServerOptions>().Configure<IOptions<VendorConsentOptions>>((server, consent) =>
        {
            // The consent page answers the same authorization request: OpenIddict checks its request_uri there too.
            server.AuthorizationEndpointUris.Add(new Uri(VendorConsentPaths.ConsentPage, UriKind.Relative));
            server.RequestTokenLifetime = consent.Value.RequestUriLifetime;
        });
        return builder;
    }
}

public static class VendorConsentPaths
{
    public const string PushedAuthorization = "/connect/par";
    public const string ConsentPage = "/connect/consent";
}
