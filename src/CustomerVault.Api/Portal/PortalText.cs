using System.Globalization;
using System.Text.RegularExpressions;
using CustomerVault.Consents;
using CustomerVault.Profiles;

namespace CustomerVault.Portal;

/// <summary>The vault's terms in the words a customer reads.</summary>
public static partial class PortalText
{
    private static readonly Dictionary<string, string> PurposeTitles = new(StringComparer.Ordinal)
    {
        [Purposes.ServiceDelivery] = "To deliver a service you use",
        [Purposes.Marketing] = "Marketing",
        [Purposes.Analytics] = "Analytics",
        [Purposes.Research] = "Research",
        [Purposes.LegalObligation] = "A legal obligation",
    };

    private static readonly Dictionary<string, string> ChannelTitles = new(StringComparer.Ordinal)
    {
        ["email"] = "e-mail", ["sms"] = "text message", ["phone"] = "phone call", ["post"] = "post", ["portal"] = "your vault's inbox",
    };

    private static readonly Dictionary<string, string> FieldTitles = new(StringComparer.OrdinalIgnoreCase)
    {
        ["scopes"] = "What it may see", ["removeScopes"] = "Stop sharing", ["purpose"] = "Why", ["description"] = "In your words",
        ["expiresAt"] = "End date", ["reason"] = "Reason", ["vendorId"] = "Company",
        ["contactTerms.channels"] = "Contact channels", ["contactTerms.maxContactsPerWeek"] = "Contacts a week",
    };

    public static string Scope(string scope) => Catalog.Scopes.FirstOrDefault(s => s.Name == scope)?.Title ?? scope;

    public static string ScopeDescription(string scope) => Catalog.Scopes.FirstOrDefault(s => s.Name == scope)?.Description ?? "";

    public static string Scopes(IEnumerable<string> scopes) => string.Join(", ", scopes.Select(Scope));

    public static string Purpose(string purpose) => PurposeTitles.GetValueOrDefault(purpose, purpose);

    public static string Channel(string channel) => ChannelTitles.GetValueOrDefault(channel, channel);

    public static string Contact(ContactTerms? terms) => terms is null
        ? "No contact"
        : $"By {string.Join(" or ", terms.Channels.Select(Channel))}, at most {terms.MaxContactsPerWeek} {(terms.MaxContactsPerWeek == 1 ? "time" : "times")} a week";

    /// <summary>Attribute names as the profile form titles them.</summary>
    public static string Attributes(IEnumerable<string> attributes) =>
        string.Join(", ", attributes.Select(a => Catalog.Attributes.FirstOrDefault(c => c.Name == a)?.Title ?? a));

    /// <summary>A change of a grant, as the timeline names it (granted, narrowed, contact-ended …).</summary>
    public static string GrantEvent(string name) => name switch
    {
        "granted" => "access granted",
        "extended" => "grant extended",
        "narrowed" => "grant narrowed",
        "contact-ended" => "contact stopped",
        "revoked" => "grant revoked",
        "relinquished" => "grant given up by the company",
        "expired" => "grant expired",
        "deletion-confirmed" => "deletion confirmed by the company",
        _ => $"grant {name.Replace('-', ' ')}",
    };

    public static string RevocationReason(string code) => code switch
    {
        "no-longer-needed" => "I no longer need this",
        "too-many-messages" => "Too many messages",
        "did-not-expect-this-use" => "I did not expect my data to be used like this",
        "asks-for-too-much" => "It asks for more than it needs",
        "do-not-trust-them" => "I do not trust this company",
        "switched-provider" => "I moved to another company",
        "other" => "Another reason",
        _ => code,
    };

    /// <summary>What the company confirmed it did with her data once a grant ended, in words.</summary>
    public static string Deletion(GrantDeletion deletion) => deletion.Status switch
    {
        GrantDeletion.Confirmed when deletion.Confirmations.LastOrDefault() is { } last =>
            $"{(last.Outcome == DeletionOutcomes.DeIdentified ? "De-identified" : "Deleted")} on {Date(last.PerformedAt)}, as the company confirmed.",
        GrantDeletion.NotConfirmed => $"Not confirmed: the company should have confirmed deleting {Scopes(deletion.Pending)} by {Date(deletion.DueBy)}, and has not.",
        _ => $"Waiting for the company to confirm it deleted {Scopes(deletion.Pending)} (due by {Date(deletion.DueBy)}).",
    };

    /// <summary>Per company: what it confirmed about deleting her data.</summary>
    public static string Deletion(CustomerVault.AccessLog.RelationshipDeletion deletion) => deletion.Status switch
    {
        GrantDeletion.NotConfirmed => $"Not confirmed: deletion of your data is overdue for {deletion.NotConfirmed} ended grant{(deletion.NotConfirmed == 1 ? "" : "s")}.",
        GrantDeletion.Awaiting => $"Deletion not confirmed yet (due by {Date(deletion.DueBy)}).",
        _ => $"Deleted on {Date(deletion.DeletedAt)}, as the company confirmed.",
    };

    public static string Date(DateTimeOffset? at) => at?.UtcDateTime.ToString("d MMMM yyyy", CultureInfo.InvariantCulture) ?? "never";

    // An end is the first instant a grant no longer covers: one that runs to the end of a day ends at the next
    // midnight, and she reads the last day it covers, the day she typed.
    public static string Until(DateTimeOffset end) => Date(end.UtcDateTime.TimeOfDay == TimeSpan.Zero ? end.AddDays(-1) : end);

    public static string DateTime(DateTimeOffset? at) => at?.UtcDateTime.ToString("d MMM yyyy, HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "never";

    /// <summary>An ISO 8601 duration in words: P6M → 6 months, P1Y2M → 1 year 2 months.</summary>
    public static string Duration(string iso)
    {
        var match = DurationPattern().Match(iso);
        if (!match.Success)
        {
            return iso;
        }

        var parts = new[] { ("Y", "year"), ("M", "month"), ("W", "week"), ("D", "day") }
            .Where(p => match.Groups[p.Item1].Success)
            .Select(p => int.Parse(match.Groups[p.Item1].Value, CultureInfo.InvariantCulture) is var n && n == 1 ? $"1 {p.Item2}" : $"{match.Groups[p.Item1].Value} {p.Item2}s");
        var words = string.Join(" ", parts);
        return words.Length > 0 ? words : iso;
    }

    /// <summary>A validation error's field path as the form labels it: contact.postal.country → Postal address, country.</summary>
    public static string Field(string field)
    {
        var attribute = Catalog.Attributes.Where(a => field == a.Name || field.StartsWith(a.Name + ".", StringComparison.Ordinal))
            .OrderByDescending(a => a.Name.Length).FirstOrDefault();
        if (attribute is null)
        {
            return FieldTitles.TryGetValue(field, out var title) ? $"{title}:" : $"{char.ToUpperInvariant(field[0])}{field[1..]}:";
        }

        var rest = field[attribute.Name.Length..].TrimStart('.');
        return rest.Length == 0 ? $"{attribute.Title}:" : $"{attribute.Title}, {rest}:";
    }

    [GeneratedRegex(@"^P(?:(?<Y>\d+)Y)?(?:(?<M>\d+)M)?(?:(?<W>\d+)W)?(?:(?<D>\d+)D)?")]
    private static partial Regex DurationPattern();
}
