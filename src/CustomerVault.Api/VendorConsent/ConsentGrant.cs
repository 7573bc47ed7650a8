using System.Security.Claims;
using System.Text.Json.Nodes;
using CustomerVault.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CustomerVault.VendorConsent;

/// <summary>
/// What the vault signs in with after a customer answered a vendor's request in its web flow. The vendor's tokens say
/// who she is to it (its pairwise id, as <c>sub</c>); her vault id, the details as granted and the grant stay in the
/// authorization code, which only the vault can read, and come out at the token endpoint as response parameters.
/// </summary>
public static class ConsentGrant
{
    /// <summary>Her vault id, kept in the code so the token endpoint can check her account still opens.</summary>
    public const string CustomerClaim = "vault_customer";

    public const string DetailsClaim = "vault_authorization_details";
    public const string GrantClaim = "vault_grant";

    /// <summary>The scopes a vendor's web flow may ask for: sign-in only. Data is what she grants, read with the vendor's API token.</summary>
    public static readonly IReadOnlySet<string> Scopes = new HashSet<string>([OpenIddictConstants.Scopes.OpenId]);

    public static ClaimsIdentity Identity(Guid pairwiseId, Guid customerId, Guid vendorId, JsonArray details, Guid grantId, IEnumerable<string> requestedScopes)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, pairwiseId.ToString())
            .SetClaim(VaultClaims.VendorId, vendorId.ToString())
            .SetClaim(CustomerClaim, customerId.ToString())
            .SetClaim(DetailsClaim, details.ToJsonString())
            .SetClaim(GrantClaim, grantId.ToString());
        identity.SetScopes(requestedScopes.Where(Scopes.Contains));
        return WithDestinations(identity);
    }

    /// <summary>Her vault id when <paramref name="code"/> came from a vendor's web flow; null otherwise.</summary>
    public static string? CustomerOf(ClaimsPrincipal? code) => code?.GetClaim(CustomerClaim);

    /// <summary>The vendor a token from its web flow was issued to; null for every other token.</summary>
    public static Guid? VendorOf(ClaimsPrincipal? token) =>
        token?.GetClaim(VaultClaims.ActorType) is null && Guid.TryParse(token?.GetClaim(VaultClaims.VendorId), out var vendorId) ? vendorId : null;

    /// <summary>The identity the code stood for, to issue its tokens from (the token endpoint).</summary>
    public static ClaimsIdentity Renew(ClaimsPrincipal code)
    {
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        foreach (var type in new[] { Claims.Subject, VaultClaims.VendorId, CustomerClaim, DetailsClaim, GrantClaim })
        {
            identity.SetClaim(type, code.GetClaim(type));
        }

        identity.SetScopes(code.GetScopes());
        return WithDestinations(identity);
    }

    private static ClaimsIdentity WithDestinations(ClaimsIdentity identity)
    {
        // The vault id and the grant never go into a token: they stay in the encrypted code.
        identity.SetDestinations(claim => claim.Type switch
        {
            Claims.Subject => [Destinations.AccessToken, Destinations.IdentityToken],
            VaultClaims.VendorId => [Destinations.AccessToken],
            _ => [],
        });
        return identity;
    }
}
