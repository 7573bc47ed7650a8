using System.Net;
using System.Security.Claims;
using CustomerVault.Identity;
using Microsoft.AspNetCore.Authentication;

namespace CustomerVault.Infrastructure.RateLimiting;

/// <summary>
/// Who is calling, as far as a limit is concerned. Only what the vault itself checked: a validated token's subject
/// (the client id for vendors, auditors and operators; the customer's vault id for her), or the connection's address.
/// Never a header the caller chooses: the address is the TCP peer's, which forwarded headers replace only when the
/// operator enabled them (<c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c>, behind a proxy that sets them).
/// </summary>
public static class Caller
{
    private static readonly object BearerKey = new();

    /// <summary>
    /// Authenticates a bearer token before the limits are applied: the request's user is decided by cookie (pages) unless
    /// an endpoint asks for the token, which only authorization does, after the limiter. The principal is kept aside,
    /// never as the request's user (a token must not open a page); authorization then finds the result already made.
    /// </summary>
    public static async Task IdentifyAsync(HttpContext context)
    {
        if (context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            && await context.AuthenticateAsync(CachedBearerHandler.SchemeName) is { Succeeded: true } result)
        {
            context.Items[BearerKey] = result.Principal;
        }
    }

    /// <summary>The signed-in party: a client (by client id) or a customer (by vault id); null for an anonymous caller.</summary>
    public static (bool IsClient, string Id)? Party(HttpContext context) =>
        Party(context.Items[BearerKey] as ClaimsPrincipal ?? context.User);

    private static (bool IsClient, string Id)? Party(ClaimsPrincipal user)
    {
        if (user.Identity?.IsAuthenticated != true || user.FindFirstValue(VaultClaims.Subject) is not { Length: > 0 } subject)
        {
            return null;
        }

        // A portal session carries no actor type: only customers sign in to pages.
        var actorType = user.FindFirstValue(VaultClaims.ActorType);
        return (actorType is not null && VaultClaims.ActorTypes.Clients.Contains(actorType), subject);
    }

    /// <summary>
    /// The caller's network: its IPv4 address, or the /64 of an IPv6 address (one host usually holds a whole /64, so a
    /// single address would be no limit at all).
    /// </summary>
    public static string Address(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            var bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes) + "/64";
        }

        return address.ToString();
    }
}
