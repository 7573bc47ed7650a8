using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace CustomerVault.Identity;

/// <summary>
/// Refuses to "revoke" an access token (RFC 7009 §2.2.1: unsupported_token_type) rather than pretending to.
/// Access tokens are self-contained and checked without a database round trip, so revoking one would have no
/// effect until it expires (Vault:Tokens:AccessTokenLifetime). Refresh tokens are revoked at once.
/// </summary>
public sealed class AccessTokenRevocation : IOpenIddictServerHandler<HandleRevocationRequestContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<HandleRevocationRequestContext>()
            .UseSingletonHandler<AccessTokenRevocation>()
            .SetOrder(OpenIddictServerHandlers.Revocation.RevokeToken.Descriptor.Order - 500)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(HandleRevocationRequestContext context)
    {
        if (context.GenericTokenPrincipal?.GetTokenType() == TokenTypeIdentifiers.AccessToken)
        {
            context.Reject(Errors.UnsupportedTokenType,
                "Access tokens cannot be revoked; they expire within minutes. Revoke the refresh token to end the session.");
        }

        return ValueTask.CompletedTask;
    }
}
