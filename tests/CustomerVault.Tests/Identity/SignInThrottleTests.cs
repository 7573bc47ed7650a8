using System.Net;
using CustomerVault.Identity;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CustomerVault.Tests.Identity;

public sealed class SignInThrottleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    private static readonly IPAddress Attacker = IPAddress.Parse("203.0.113.7");
    private static readonly IPAddress Owner = IPAddress.Parse("198.51.100.20");

    private readonly FakeTimeProvider _clock = new(Now);

    private SignInThrottle Throttle(int pair = 5, int address = 20, int account = 50) => new(Options.Create(new SignInOptions
    {
        MaxFailuresPerAccountAndAddress = pair, MaxFailuresPerAddress = address, MaxFailuresPerAccount = account,
    }), _clock);

    [Fact]
    public void GivenFailuresBelowTheLimit_WhenOneMore_ThenItBlocksForTheDuration()
    {
        var series = FailureSeries.Record(null, Now, limit: 2, Window, TimeSpan.FromMinutes(10));
        Assert.False(series.Blocks(Now));

        series = FailureSeries.Record(series, Now.AddMinutes(1), limit: 2, Window, TimeSpan.FromMinutes(10));

        Assert.True(series.Blocks(Now.AddMinutes(10)));
        Assert.False(series.Blocks(Now.AddMinutes(11)));
    }

    [Fact]
    public void GivenAnOldSeries_WhenAFailureComesAfterTheWindow_ThenCountingStartsAgain()
    {
        var series = FailureSeries.Record(null, Now, limit: 2, Window, Window);

        series = FailureSeries.Record(series, Now + Window, limit: 2, Window, Window);

        Assert.Equal(1, series.Failures);
        Assert.False(series.Blocks(Now + Window));
    }

    [Fact]
    public void GivenFiveWrongPasswordsFromOneAddress_WhenTheOwnerTriesFromAnother_ThenSheMayGoAhead()
    {
        var throttle = Throttle();
        for (var i = 0; i < 5; i++)
        {
            throttle.Failed("ADA@EXAMPLE.ORG", Attacker);
        }

        Assert.NotNull(throttle.Wait("ADA@EXAMPLE.ORG", Attacker, trustedDevice: false));
        Assert.Null(throttle.Wait("ADA@EXAMPLE.ORG", Owner, trustedDevice: false));
        Assert.Null(throttle.Wait("GRACE@EXAMPLE.ORG", Attacker, trustedDevice: false));
    }

    [Fact]
    public void GivenAnAddressSprayingAccounts_WhenItReachesItsLimit_ThenItWaitsForEveryAccount()
    {
        var throttle = Throttle(address: 3);
        foreach (var account in new[] { "A@X.ORG", "B@X.ORG", "C@X.ORG" })
        {
            throttle.Failed(account, Attacker);
        }

        Assert.NotNull(throttle.Wait("D@X.ORG", Attacker, trustedDevice: false));
        Assert.NotNull(throttle.Wait(Attacker));
        Assert.Null(throttle.Wait("D@X.ORG", Owner, trustedDevice: false));
    }

    [Fact]
    public void GivenAnAccountAttackedFromManyAddresses_WhenItReachesItsLimit_ThenOnlyATrustedBrowserMayTry()
    {
        var throttle = Throttle(account: 4);
        for (var i = 1; i <= 4; i++)
        {
            throttle.Failed("ADA@EXAMPLE.ORG", IPAddress.Parse($"203.0.113.{i}"));
        }

        Assert.NotNull(throttle.Wait("ADA@EXAMPLE.ORG", Owner, trustedDevice: false));
        Assert.Null(throttle.Wait("ADA@EXAMPLE.ORG", Owner, trustedDevice: true));
    }

    [Fact]
    public void GivenABlockedPair_WhenTheBlockIsOver_ThenTheAttemptMayGoAhead()
    {
        var throttle = Throttle(pair: 1);
        throttle.Failed("ADA@EXAMPLE.ORG", Attacker);
        Assert.Equal(TimeSpan.FromMinutes(15), throttle.Wait("ADA@EXAMPLE.ORG", Attacker, trustedDevice: false));

        _clock.Advance(TimeSpan.FromMinutes(15));

        Assert.Null(throttle.Wait("ADA@EXAMPLE.ORG", Attacker, trustedDevice: false));
    }

    [Fact]
    public void GivenASuccess_ThenThePairStartsAgainButTheAddressKeepsCounting()
    {
        var throttle = Throttle(pair: 2, address: 3);
        throttle.Failed("ADA@EXAMPLE.ORG", Attacker);
        throttle.Failed("GRACE@EXAMPLE.ORG", Attacker);

        throttle.Succeeded("ADA@EXAMPLE.ORG", Attacker);
        throttle.Failed("ADA@EXAMPLE.ORG", Attacker);

        Assert.NotNull(throttle.Wait(Attacker));
    }

    [Theory]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64")]
    [InlineData("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64")]
    [InlineData("::ffff:192.0.2.1", "192.0.2.1")]
    [InlineData("192.0.2.1", "192.0.2.1")]
    public void An_IPv6_client_counts_as_its_64_and_a_mapped_IPv4_as_itself(string address, string countedAs) =>
        Assert.Equal(countedAs, SignInThrottle.Address(IPAddress.Parse(address)));
}
