using CustomerVault.Infrastructure;
using Microsoft.AspNetCore.Http;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace CustomerVault.Identity;

/// <summary>
/// The vault's name in every token, in discovery and in every document it signs. It comes from configuration, never
/// from a request: with the issuer taken from the Host header, anyone could make the vault advertise, mint and sign
/// under a name of their choosing.
/// </summary>
public sealed record VaultIssuer(Uri Uri)
{
    public const string Setting = TokenOptions.Section + ":Issuer";

    /// <summary>The issuer as tokens and documents carry it, with its trailing slash (e.g. https://vault.example.com/).</summary>
    public string Value => Uri.AbsoluteUri;

    /// <summary>
    /// <c>Vault:Tokens:Issuer</c>; required outside Development. In Development it defaults to the address the vault was
    /// told to listen on (<c>ASPNETCORE_URLS</c>, <c>--urls</c> or the launch profile), and to Kestrel's own default.
    /// </summary>
    public static VaultIssuer Resolve(IConfiguration configuration, IHostEnvironment environment)
    {
        var configured = configuration[Setting];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            if (!Uri.TryCreate(configured.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")
                || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.UserInfo.Length > 0)
            {
                throw new VaultStartupException($"{Setting} must be the vault's public base URL, such as https://vault.example.com/; '{configured}' is not one.");
            }

            if (uri.Scheme != Uri.UriSchemeHttps && !environment.IsDevelopment())
            {
                throw new VaultStartupException($"{Setting} must be an https URL outside Development; it is {configured}.");
            }

            return new VaultIssuer(WithTrailingSlash(uri));
        }

        if (!environment.IsDevelopment())
        {
            throw new VaultStartupException(
                $"{Setting} is not set. Outside Development the vault needs its public base URL (e.g. https://vault.example.com/): "
                + "it names the vault in every token, in discovery and in every document it signs, and is never taken from a request.");
        }

        return new VaultIssuer(ListeningUrl(configuration[WebHostDefaults.ServerUrlsKey]));
    }

    /// <summary>The first address Kestrel was told to listen on, as a browser on this machine reaches it.</summary>
    private static Uri ListeningUrl(string? urls)
    {
        var first = urls?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (first is null)
        {
            return new Uri("http://localhost:5000/");
        }

        var address = BindingAddress.Parse(first);
        var host = address.Host is "*" or "+" or "0.0.0.0" or "[::]" or "::" ? "localhost" : address.Host;
        // A port chosen at start-up (0) cannot be known here; such a vault is one a test or a script talks to directly.
        var port = address.Port == 0 ? "" : $":{address.Port}";
        return WithTrailingSlash(new Uri($"{address.Scheme}://{host}{port}{address.PathBase}"));
    }

    private static Uri WithTrailingSlash(Uri uri) => uri.AbsolutePath.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
}

/// <summary>
/// Discovery names every endpoint under the configured issuer. OpenIddict would build them from the request's host,
/// so a forged Host header would send a client to another server for its tokens and keys.
/// </summary>
public sealed class AdvertiseEndpointsUnderIssuer(VaultIssuer issuer)
    : IOpenIddictServerHandler<HandleConfigurationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleConfigurationRequestContext>()
            .UseSingletonHandler<AdvertiseEndpointsUnderIssuer>()
            .SetOrder(OpenIddictServerHandlers.Discovery.AttachEndpoints.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(HandleConfigurationRequestContext context)
    {
        context.BaseUri = issuer.Uri;
        return ValueTask.CompletedTask;
    }
}
