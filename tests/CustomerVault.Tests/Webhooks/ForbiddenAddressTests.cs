using System.Net;
using CustomerVault.Webhooks;

namespace CustomerVault.Tests.Webhooks;

public sealed class ForbiddenAddressTests
{
    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.255.0.9")]
    [InlineData("10.0.0.1")]
    [InlineData("172.16.5.4")]
    [InlineData("192.168.1.1")]
    [InlineData("169.254.169.254")]
    [InlineData("100.64.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("fe80::1")]
    [InlineData("fd12:3456::1")]
    [InlineData("fd00:ec2::254")]
    [InlineData("::ffff:10.1.2.3")]
    [InlineData("::ffff:169.254.169.254")]
    public void Loopback_private_link_local_and_metadata_addresses_are_forbidden(string address) =>
        Assert.True(SafeUrls.IsForbidden(IPAddress.Parse(address)));

    [Theory]
    [InlineData("192.0.2.10", "documentation (TEST-NET-1)")]
    [InlineData("198.51.100.7", "documentation (TEST-NET-2)")]
    [InlineData("203.0.113.9", "documentation (TEST-NET-3)")]
    [InlineData("192.88.99.1", "the 6to4 relay anycast")]
    [InlineData("255.255.255.255", "broadcast")]
    [InlineData("64:ff9b::a00:1", "NAT64 to 10.0.0.1")]
    [InlineData("64:ff9b::7f00:1", "NAT64 to loopback")]
    [InlineData("64:ff9b::a9fe:a9fe", "NAT64 to the metadata address")]
    [InlineData("64:ff9b:1::a00:1", "the local-use NAT64 prefix")]
    [InlineData("::ffff:0:a00:1", "SIIT to 10.0.0.1")]
    [InlineData("::a00:1", "IPv4-compatible 10.0.0.1")]
    [InlineData("::808:808", "IPv4-compatible, deprecated whatever it embeds")]
    [InlineData("2002:a00:1::1", "6to4 around 10.0.0.1")]
    [InlineData("2002:5db8:d822::1", "6to4 around a public address")]
    [InlineData("2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo")]
    [InlineData("2001:db8::1", "documentation")]
    [InlineData("3fff::1", "documentation (2024)")]
    [InlineData("100::1", "discard-only")]
    [InlineData("5f00::1", "SRv6 SIDs")]
    [InlineData("fec0::1", "site-local")]
    [InlineData("ff02::1", "multicast")]
    public void Special_purpose_addresses_and_IPv6_forms_that_reach_a_forbidden_IPv4_address_are_forbidden(string address, string what) =>
        Assert.True(SafeUrls.IsForbidden(IPAddress.Parse(address)), what);

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("172.32.0.1")]
    [InlineData("8.8.8.8")]
    [InlineData("2606:2800:220:1:248:1893:25c8:1946")]
    [InlineData("::ffff:93.184.216.34")]
    [InlineData("64:ff9b::5db8:d822")]
    [InlineData("64:ff9b::808:808")]
    [InlineData("2a00:1450:4001:830::200e")]
    public void Public_addresses_are_allowed(string address) =>
        Assert.False(SafeUrls.IsForbidden(IPAddress.Parse(address)));
}
