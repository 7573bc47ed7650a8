using System.Net;
using System.Net.Sockets;
using CustomerVault.Infrastructure.Http;
using Microsoft.Extensions.Options;

namespace CustomerVault.Webhooks;

/// <summary>Resolves host names; a boundary, so tests can play a DNS that changes its answer.</summary>
public interface IHostResolver
{
    Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken);
}

public sealed class DnsHostResolver : IHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) => Dns.GetHostAddressesAsync(host, cancellationToken);
}

/// <summary>
/// Keeps webhooks from being turned against the vault's own network (SSRF): outside Development a webhook goes only
/// over https, and only to public addresses. The check runs when a URL is set and again when connecting, on the
/// address actually used, so a name that resolves elsewhere later (DNS rebinding) is refused too.
/// </summary>
public sealed class SafeUrls(IOptions<WebhookOptions> options, IHostEnvironment environment, IHostResolver resolver)
{
    // The IANA special-purpose registries (IPv4 and IPv6) less what is globally reachable and of use to a receiver,
    // plus multicast, the reserved space, and cloud metadata addresses.
    private static readonly IPNetwork[] Forbidden =
    [
        // IPv4: "this network", private, shared (CGNAT), loopback, link-local (metadata), IETF protocol assignments,
        // documentation, the old 6to4 relay anycast, benchmarking, multicast, reserved and broadcast.
        IPNetwork.Parse("0.0.0.0/8"), IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("100.64.0.0/10"), IPNetwork.Parse("127.0.0.0/8"),
        IPNetwork.Parse("169.254.0.0/16"), IPNetwork.Parse("172.16.0.0/12"), IPNetwork.Parse("192.0.0.0/24"), IPNetwork.Parse("192.0.2.0/24"),
        IPNetwork.Parse("192.88.99.0/24"), IPNetwork.Parse("192.168.0.0/16"), IPNetwork.Parse("198.18.0.0/15"), IPNetwork.Parse("198.51.100.0/24"),
        IPNetwork.Parse("203.0.113.0/24"), IPNetwork.Parse("224.0.0.0/4"), IPNetwork.Parse("240.0.0.0/4"),

        // IPv6: IPv4-compatible (with :: and ::1), the local-use NAT64 prefix, discard-only and dummy prefixes, IETF
        // protocol assignments (Teredo among them), documentation, 6to4, SRv6 SIDs, unique-local, site-local,
        // link-local, multicast, and the EC2 metadata address.
        IPNetwork.Parse("::/96"), IPNetwork.Parse("64:ff9b:1::/48"), IPNetwork.Parse("100::/64"), IPNetwork.Parse("100:0:0:1::/64"),
        IPNetwork.Parse("2001::/23"), IPNetwork.Parse("2001:db8::/32"), IPNetwork.Parse("2002::/16"), IPNetwork.Parse("3fff::/20"),
        IPNetwork.Parse("5f00::/16"), IPNetwork.Parse("fc00::/7"), IPNetwork.Parse("fec0::/10"), IPNetwork.Parse("fe80::/10"), IPNetwork.Parse("ff00::/8"),
        IPNetwork.Parse("fd00:ec2::254/128"),
    ];

    // IPv6 prefixes whose last 32 bits are the IPv4 address a translator sends the packet on to (NAT64's well-known
    // prefix, SIIT's IPv4-translated addresses): allowed only if that IPv4 address is. IPv4-mapped addresses are the
    // IPv4 address itself.
    private static readonly IPNetwork[] TranslatedToIPv4 = [IPNetwork.Parse("64:ff9b::/96"), IPNetwork.Parse("::ffff:0:0:0/96")];

    public bool Enforced => options.Value.EnforceSafeUrls ?? !environment.IsDevelopment();

    /// <summary>Refuses (400, naming <paramref name="field"/>) a URL the vault would not deliver to.</summary>
    public async Task ValidateAsync(string? url, string field, CancellationToken cancellationToken)
    {
        if (url is null)
        {
            return;
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw RequestValidationException.For(field, "must be an absolute http or https URL.");
        }

        if (!Enforced)
        {
            return;
        }

        if (uri.Scheme != Uri.UriSchemeHttps)
        {
            throw RequestValidationException.For(field, "must use https.");
        }

        if (await AllowedAddressAsync(uri.Host, cancellationToken) is null)
        {
            throw RequestValidationException.For(field, "must resolve to a public address: loopback, private, link-local, metadata and other special-purpose addresses are refused.");
        }
    }

    /// <summary>The address of the host the vault may connect to, or null when any address it resolves to is forbidden.</summary>
    public async Task<IPAddress?> AllowedAddressAsync(string host, CancellationToken cancellationToken)
    {
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await resolver.ResolveAsync(host, cancellationToken);
        }
        catch (SocketException)
        {
            return null;
        }

        if (!Enforced || options.Value.AllowedHosts.Contains(host, StringComparer.OrdinalIgnoreCase))
        {
            return addresses.FirstOrDefault();
        }

        // A name that also resolves to a forbidden address is refused outright, not just steered around it: its owner
        // either made a mistake or is probing.
        return addresses.Length > 0 && addresses.All(a => !IsForbidden(a) || options.Value.AllowedHosts.Contains(a.ToString())) ? addresses[0] : null;
    }

    public static bool IsForbidden(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            return IsForbidden(address.MapToIPv4());
        }

        if (TranslatedToIPv4.Any(n => n.Contains(address)) && IsForbidden(new IPAddress(address.GetAddressBytes()[12..])))
        {
            return true;
        }

        return Forbidden.Any(n => n.Contains(address));
    }

    /// <summary>
    /// Connects only to an address the policy allows, whatever the name resolves to now; or to the configured proxy,
    /// which the operator chose (and which is usually inside the network).
    /// </summary>
    public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var endpoint = context.DnsEndPoint;
        var proxy = options.Value.Proxy;
        var address = proxy is not null && string.Equals(endpoint.Host, proxy.IdnHost, StringComparison.OrdinalIgnoreCase) && endpoint.Port == proxy.Port
            ? IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var literal) ? literal : (await resolver.ResolveAsync(endpoint.Host, cancellationToken)).FirstOrDefault()
            : await AllowedAddressAsync(endpoint.Host, cancellationToken);
        if (address is null)
        {
            throw new HttpRequestException($"Refused to connect to {endpoint.Host}: it resolves to a loopback, private, link-local, metadata or other special-purpose address.");
        }

        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
