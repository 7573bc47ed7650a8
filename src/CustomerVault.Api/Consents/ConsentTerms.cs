using System.Globalization;
using System.Text.RegularExpressions;
using CustomerVault.Kernel;
using CustomerVault.Profiles;

namespace CustomerVault.Consents;

/// <summary>
/// Why a vendor wants the data. Purpose limitation (GDPR art. 5(1)(b)): a grant serves one purpose, and a
/// read must say which purpose it serves; data granted for service delivery cannot be read for marketing.
/// </summary>
public static class Purposes
{
    public const string ServiceDelivery = "service-delivery";
    public const string Marketing = "marketing";
    public const string Analytics = "analytics";
    public const string Research = "research";
    public const string LegalObligation = "legal-obligation";

    public static readonly IReadOnlyList<string> All = [ServiceDelivery, Marketing, Analytics, Research, LegalObligation];

    public static bool IsKnown(string? purpose) => purpose is not null && All.Contains(purpose);
}

/// <summary>How the vendor may contact the customer under a grant: which channels, how often.</summary>
public sealed record ContactTerms(IReadOnlyList<string> Channels, int MaxContactsPerWeek)
{
    public static void Validate(ContactTerms? terms, string field, ValidationContext errors)
    {
        if (terms is null)
        {
            return;
        }

        if (terms.Channels is null || terms.Channels.Count == 0)
        {
            errors.Add($"{field}.channels", $"must list at least one of {string.Join(", ", Catalog.Channels)}.");
        }
        else
        {
            foreach (var channel in terms.Channels.Where(c => !Catalog.Channels.Contains(c)))
            {
                errors.Add($"{field}.channels", $"'{channel}' is not a channel; use {string.Join(", ", Catalog.Channels)}.");
            }

            if (terms.Channels.Distinct().Count() != terms.Channels.Count)
            {
                errors.Add($"{field}.channels", "lists a channel twice.");
            }
        }

        if (terms.MaxContactsPerWeek is < 1 or > 50)
        {
            errors.Add($"{field}.maxContactsPerWeek", "must be a whole number from 1 to 50.");
        }
    }
}

/// <summary>
/// An ISO 8601 duration (<c>P1Y</c>, <c>P6M</c>, <c>P2W</c>, <c>P30DT12H</c>), added to a date by the calendar:
/// a one-month grant made on 31 January ends on the last day of February.
/// </summary>
public sealed partial record IsoDuration(int Years, int Months, int Weeks, int Days, int Hours, int Minutes, int Seconds)
{
    public static readonly TimeSpan Longest = TimeSpan.FromDays(366 * 2);

    public static bool TryParse(string? text, out IsoDuration duration)
    {
        duration = new IsoDuration(0, 0, 0, 0, 0, 0, 0);
        var match = text is null ? Match.Empty : Pattern().Match(text);
        if (!match.Success || match.Groups.Values.Skip(1).All(g => !g.Success) || text!.EndsWith('T'))
        {
            return false;
        }

        int Part(string name) => match.Groups[name].Success ? int.Parse(match.Groups[name].Value, CultureInfo.InvariantCulture) : 0;
        duration = new IsoDuration(Part("y"), Part("mo"), Part("w"), Part("d"), Part("h"), Part("mi"), Part("s"));
        return true;
    }

    /// <summary>The duration in ISO 8601 form, only the parts it has (<c>P12M</c>, <c>P1Y6M</c>).</summary>
    public string ToIso()
    {
        var date = $"{Part(Years, 'Y')}{Part(Months, 'M')}{Part(Weeks, 'W')}{Part(Days, 'D')}";
        var time = $"{Part(Hours, 'H')}{Part(Minutes, 'M')}{Part(Seconds, 'S')}";
        return time.Length == 0 ? $"P{date}" : $"P{date}T{time}";

        static string Part(int value, char unit) => value == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $"{value}{unit}");
    }

    public DateTimeOffset AddTo(DateTimeOffset start) =>
        start.AddYears(Years).AddMonths(Months).AddDays((Weeks * 7) + Days).AddHours(Hours).AddMinutes(Minutes).AddSeconds(Seconds);

    /// <summary>At most two years from <paramref name="start"/>, and longer than nothing.</summary>
    /// <remarks>A part longer than two years on its own is refused before adding: P9999Y would run past the calendar's end.</remarks>
    public bool IsAcceptableFrom(DateTimeOffset start) =>
        Years <= 2 && Months <= 24 && (Weeks * 7) + Days <= Longest.TotalDays && Hours <= Longest.TotalHours && Minutes <= Longest.TotalMinutes
        && Seconds <= Longest.TotalSeconds && AddTo(start) > start && AddTo(start) <= start.AddYears(2);

    [GeneratedRegex(@"^P(?:(?<y>\d{1,4})Y)?(?:(?<mo>\d{1,4})M)?(?:(?<w>\d{1,4})W)?(?:(?<d>\d{1,5})D)?(?:T(?:(?<h>\d{1,6})H)?(?:(?<mi>\d{1,7})M)?(?:(?<s>\d{1,9})S)?)?$")]
    private static partial Regex Pattern();
}
