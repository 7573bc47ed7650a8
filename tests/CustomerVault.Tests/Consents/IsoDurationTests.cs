using CustomerVault.Consents;

namespace CustomerVault.Tests.Consents;

public sealed class IsoDurationTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 31, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("P1Y", "2027-01-31")]
    [InlineData("P1M", "2026-02-28")]
    [InlineData("P2W", "2026-02-14")]
    [InlineData("P30D", "2026-03-02")]
    [InlineData("P1Y2M3DT4H5M6S", "2027-04-03T04:05:06")]
    [InlineData("PT12H", "2026-01-31T12:00:00")]
    public void Adds_by_the_calendar(string text, string expected)
    {
        Assert.True(IsoDuration.TryParse(text, out var duration));

        Assert.Equal(DateTimeOffset.Parse(expected + "+00:00", System.Globalization.CultureInfo.InvariantCulture), duration.AddTo(Start));
    }

    [Theory]
    [InlineData("")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("P1")]
    [InlineData("1Y")]
    [InlineData("P-1D")]
    [InlineData("P1.5Y")]
    [InlineData("p1y")]
    [InlineData(null)]
    public void Rejects_what_is_not_an_ISO_8601_duration(string? text) => Assert.False(IsoDuration.TryParse(text, out _));

    [Theory]
    [InlineData("P2Y", true)]
    [InlineData("P24M", true)]
    [InlineData("P2Y1D", false)]
    [InlineData("P0D", false)]
    [InlineData("PT1S", true)]
    [InlineData("P9999Y", false)]
    [InlineData("P1Y9999M", false)]
    [InlineData("P99999D", false)]
    [InlineData("PT999999999S", false)]
    public void Accepts_up_to_two_years(string text, bool acceptable)
    {
        Assert.True(IsoDuration.TryParse(text, out var duration));

        Assert.Equal(acceptable, duration.IsAcceptableFrom(Start));
    }
}
