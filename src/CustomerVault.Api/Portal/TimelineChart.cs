using System.Globalization;
using CustomerVault.AccessLog;

namespace CustomerVault.Portal;

/// <summary>
/// The geometry of a relationship's timeline as an SVG chart: one bar per day for its reads, a dot on the days with
/// messages, a diamond on the days a grant changed. Computed on the server, so the page needs no script; the drawing
/// is 480 units wide so that its labels stay legible when a 390-pixel screen scales it down.
/// </summary>
public sealed record TimelineChart(
    IReadOnlyList<TimelineChart.Bar> Bars, IReadOnlyList<TimelineChart.Mark> Messages, IReadOnlyList<TimelineChart.Mark> Changes,
    int MaxReads, string FirstDay, string LastDay, string Description)
{
    public const double Width = 480;
    public const double Height = 200;
    public const double Left = 28;
    public const double Right = 8;
    public const double BarsTop = 12;
    public const double BarsBottom = 128;
    public const double MessageRow = 146;
    public const double ChangeRow = 166;
    public const double AxisRow = 192;

    public sealed record Bar(double X, double Y, double Width, double Height, string Title);

    public sealed record Mark(double X, string Title);

    public static string Number(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    public static TimelineChart Of(RelationshipTimeline timeline)
    {
        var first = DateOnly.FromDateTime(timeline.From.UtcDateTime);
        var last = DateOnly.FromDateTime(timeline.To.UtcDateTime);
        var days = last.DayNumber - first.DayNumber + 1;
        var slot = (Width - Left - Right) / days;
        var maxReads = Math.Max(1, timeline.Items.Select(d => d.ReadCount).DefaultIfEmpty(0).Max());
        double Centre(DateOnly day) => Left + ((day.DayNumber - first.DayNumber) + 0.5) * slot;

        var bars = timeline.Items.Where(d => d.ReadCount > 0).Select(d =>
        {
            var height = Math.Max(1, d.ReadCount * (BarsBottom - BarsTop) / maxReads);
            var width = Math.Max(0.8, slot * 0.7);
            return new Bar(Centre(d.Date) - width / 2, BarsBottom - height, width, height, $"{Day(d.Date)}: {Count(d.ReadCount, "read")}");
        }).ToList();
        var messages = timeline.Items.Where(d => d.MessageCount > 0)
            .Select(d => new Mark(Centre(d.Date), $"{Day(d.Date)}: {Count(d.MessageCount, "message")}")).ToList();
        var changes = timeline.Items.Where(d => d.GrantChangeCount > 0)
            .Select(d => new Mark(Centre(d.Date), $"{Day(d.Date)}: {string.Join(", ", d.GrantChanges.Select(c => PortalText.GrantEvent(c.Event)).Distinct())}"))
            .ToList();

        var reads = timeline.Items.Sum(d => d.ReadCount);
        var busiest = timeline.Items.OrderByDescending(d => d.ReadCount).ThenByDescending(d => d.Date).FirstOrDefault(d => d.ReadCount > 0);
        var description = $"From {Day(first)} to {Day(last)}: {Count(reads, "read")} on {Count(bars.Count, "day")}"
                          + (busiest is null ? "" : $", most on {Day(busiest.Date)} ({busiest.ReadCount})")
                          + $"; {Count(timeline.Items.Sum(d => d.MessageCount), "message")} on {Count(messages.Count, "day")}"
                          + $"; {Count(timeline.Items.Sum(d => d.GrantChangeCount), "change")} of a grant on {Count(changes.Count, "day")}.";
        return new TimelineChart(bars, messages, changes, maxReads, Day(first), Day(last), description);
    }

    private static string Day(DateOnly day) => day.ToString("d MMM yyyy", CultureInfo.InvariantCulture);

    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";
}
