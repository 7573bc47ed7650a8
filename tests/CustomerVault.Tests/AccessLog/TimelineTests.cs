using CustomerVault.AccessLog;
using CustomerVault.Consents;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Portal;
using CustomerVault.Vendors;

namespace CustomerVault.Tests.AccessLog;

public sealed class TimelineTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 15, 30, 0, TimeSpan.Zero);

    private static Grant GrantedAt(DateTimeOffset at) => Grant.Create(new AccessGranted(
        Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), null, ["name"], "marketing", "", null, at, at.AddYears(1)));

    [Fact]
    public void GivenNoActiveGrant_ThenNeverDormant() =>
        Assert.False(Dormancy.IsDormant([], null, Now));

    [Fact]
    public void GivenAGrantOf90Days_WhenNeverRead_ThenDormant_AndNotADayEarlier()
    {
        Assert.True(Dormancy.IsDormant([GrantedAt(Now.AddDays(-90))], null, Now));
        Assert.False(Dormancy.IsDormant([GrantedAt(Now.AddDays(-90).AddTicks(10))], null, Now));
    }

    [Fact]
    public void GivenAnOldGrant_WhenLastReadIs90DaysAgo_ThenDormant_AndWhenLessThen_NotDormant()
    {
        var grants = new[] { GrantedAt(Now.AddDays(-200)), GrantedAt(Now.AddDays(-1)) };

        Assert.True(Dormancy.IsDormant(grants, Now.AddDays(-90), Now));
        Assert.False(Dormancy.IsDormant(grants, Now.AddDays(-89), Now));
    }

    [Theory]
    [InlineData(typeof(AccessGranted), "granted")]
    [InlineData(typeof(GrantExtended), "extended")]
    [InlineData(typeof(GrantNarrowed), "narrowed")]
    [InlineData(typeof(GrantContactEnded), "contact-ended")]
    [InlineData(typeof(GrantRevoked), "revoked")]
    [InlineData(typeof(GrantExpired), "expired")]
    public void GrantEventsAreNamedByTheirTypeWithoutTheStreamPrefix(Type eventType, string name) =>
        Assert.Equal(name, GetRelationshipTimeline.EventName(eventType));

    [Fact]
    public void TheWindowStartsAtMidnightUtcDaysMinusOneDaysBeforeToday_AndIsBounded()
    {
        Assert.Equal((new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero), Now), GetRelationshipTimeline.Window(1, Now));
        Assert.Equal(new DateTimeOffset(2026, 8, 26, 0, 0, 0, TimeSpan.Zero), GetRelationshipTimeline.Window(null, Now).From);
        Assert.Equal(["days"], Assert.Throws<RequestValidationException>(() => GetRelationshipTimeline.Window(0, Now)).Errors.Keys);
        Assert.Equal(["days"], Assert.Throws<RequestValidationException>(() => GetRelationshipTimeline.Window(367, Now)).Errors.Keys);
    }

    [Fact]
    public void TheChartDrawsOneBarPerDayWithReads_ScaledToTheBusiestDay_InItsDaysSlot()
    {
        var window = GetRelationshipTimeline.Window(10, Now);
        var days = new[]
        {
            Day(new DateOnly(2026, 11, 23), reads: 2, messages: 1),
            Day(new DateOnly(2026, 11, 14), reads: 4, messages: 0),
        };
        var timeline = new RelationshipTimeline(new VendorSummary(Guid.NewGuid(), "Vega", null, "", "active"), "active", window.From, window.To,
            new TimelineSummary(null, 0, 0, null, false, []), days, null);

        var chart = TimelineChart.Of(timeline);

        Assert.Equal(4, chart.MaxReads);
        var (first, last) = (chart.Bars.Single(b => b.Title.Contains("14 Nov")), chart.Bars.Single(b => b.Title.Contains("23 Nov")));
        Assert.Equal(TimelineChart.BarsBottom - TimelineChart.BarsTop, first.Height, 6);
        Assert.Equal(first.Height / 2, last.Height, 6);
        Assert.Equal(TimelineChart.BarsBottom, first.Y + first.Height, 6);
        var slot = (TimelineChart.Width - TimelineChart.Left - TimelineChart.Right) / 10;
        Assert.Equal(9 * slot, (last.X + last.Width / 2) - (first.X + first.Width / 2), 6);
        Assert.Single(chart.Messages);
        Assert.Empty(chart.Changes);
        Assert.Contains("6 reads on 2 days, most on 14 Nov 2026 (4)", chart.Description);
    }

    private static TimelineDay Day(DateOnly date, int reads, int messages) =>
        new(date, reads, [], messages, [], 0, []);
}
