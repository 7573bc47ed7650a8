using System.Text.Json;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace CustomerVault.VendorConsent;

/// <summary>
/// The token response of a vendor's web flow carries what she granted: <c>authorization_details</c> as granted (RFC 9396
/// section 7) and <c>grant_id</c>, the grant the vendor then reads under with its API token.
/// </summary>
public sealed class TokenResponse : IOpenIddictServerHandler<ProcessSignInContext>
{
    public const string GrantIdParameter = "grant_id";

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessSignInContext>()
        .UseSingletonHandler<TokenResponse>()
        .SetOrder(OpenIddictServerHandlers.AttachCustomSignInParameters.Descriptor.Order - 1)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public ValueTask HandleAsync(ProcessSignInContext context)
    {
        if (context.EndpointType == OpenIddictServerEndpointType.Token && context.Principal?.GetClaim(ConsentGrant.DetailsClaim) is { } details)
        {
            context.Parameters[AuthorizationDetails.Parameter] = JsonSerializer.Deserialize<JsonElement>(details);
            context.Parameters[GrantIdParameter] = context.Principal.GetClaim(ConsentGrant.GrantClaim);
        }

        return ValueTask.CompletedTask;
    }
}
