using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CustomerVault.Kernel;

namespace CustomerVault.Profiles;

/// <summary>
/// A consent scope: the unit in which a customer shares data with a vendor. Vendors ask for scopes,
/// customers grant scopes, and each scope covers one or more profile attributes.
/// </summary>
public sealed record DataScope(string Name, string Title, string Description);

/// <summary>One attribute of the profile: its shape, its rule, and the scope that covers it.</summary>
public sealed record AttributeDefinition(
    string Name,
    string Title,
    string Type,
    string Rule,
    string Scope,
    JsonNode Example,
    AttributeValidator Validate)
{
    /// <summary>The group in the profile document (<c>contact</c> of <c>contact.email</c>).</summary>
    public string Group => Name[..Name.IndexOf('.', StringComparison.Ordinal)];

    /// <summary>The field within its group (<c>email</c> of <c>contact.email</c>).</summary>
    public string Field => Name[(Name.IndexOf('.', StringComparison.Ordinal) + 1)..];
}

/// <summary>Checks a value; reports each problem under the path of the offending field.</summary>
public delegate void AttributeValidator(JsonNode value, ValidationContext context);

/// <summary>
/// What the vault can hold, and in which scopes it can be shared. The catalogue is public
/// (<c>GET /v1/catalog</c>) so vendors know what to ask for and customers know what they are asked.
/// </summary>
public static partial class Catalog
{
    public static readonly IReadOnlyList<string> Channels = ["email", "sms", "phone", "post"];

    public static readonly IReadOnlyList<DataScope> Scopes =
    [
        new("name", "Name", "Your given and family name."),
        new("birthdate", "Date of birth", "Your date of birth."),
        new("email", "E-mail address", "The e-mail address in your profile."),
        new("phone", "Phone number", "The phone number in your profile."),
        new("postal-address", "Postal address", "Your postal address."),
        new("communication-preferences", "Communication preferences", "How you accept to be contacted, and how often."),
        new("interests", "Interests", "The interests you chose to list."),
    ];

    public static readonly IReadOnlyList<AttributeDefinition> Attributes =
    [
        new("identity.name", "Name", "object", "given and/or family, each 1 to 100 characters", "name",
            new JsonObject { ["given"] = "Ada", ["family"] = "Lovelace" }, ValidateName),
        new("identity.birthdate", "Date of birth", "string (date)", "a date YYYY-MM-DD from 1900-01-01 to today", "birthdate",
            "1990-12-10", ValidateBirthdate),
        new("contact.email", "E-mail address", "string (email)", "an e-mail address of at most 254 characters", "email",
            "ada@example.org", ValidateEmail),
        new("contact.phone", "Phone number", "string (E.164)", "an E.164 number: '+', country code, at most 15 digits", "phone",
            "+442071838750", ValidatePhone),
        new("contact.postal", "Postal address", "object", "1 to 4 lines, locality, optional region and postalCode, country as ISO 3166-1 alpha-2", "postal-address",
            new JsonObject { ["lines"] = new JsonArray("12 St James's Square"), ["locality"] = "London", ["postalCode"] = "SW1Y 4LB", ["country"] = "GB" },
            ValidatePostal),
        new("preferences.communication", "Communication preferences", "object",
            "channels: a set of email, sms, phone, post; maxContactsPerWeek: 0 to 50", "communication-preferences",
            new JsonObject { ["channels"] = new JsonArray("email", "post"), ["maxContactsPerWeek"] = 2 }, ValidateCommunication),
        new("preferences.interests", "Interests", "array of strings", "at most 50 distinct tags of lowercase letters, digits and '-', each at most 40 characters", "interests",
            new JsonArray("astronomy", "mathematics"), ValidateInterests),
    ];

    private static readonly Dictionary<string, AttributeDefinition> ByName = Attributes.ToDictionary(a => a.Name, StringComparer.Ordinal);
    private static readonly HashSet<string> ScopeNames = Scopes.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);

    public static IReadOnlySet<string> Groups { get; } = Attributes.Select(a => a.Group).ToHashSet(StringComparer.Ordinal);

    public static AttributeDefinition? Find(string attribute) => ByName.GetValueOrDefault(attribute);

    public static bool IsScope(string scope) => ScopeNames.Contains(scope);

    /// <summary>The attributes that a set of scopes covers.</summary>
    public static IReadOnlySet<string> AttributesCoveredBy(IEnumerable<string> scopes)
    {
        var set = scopes.ToHashSet(StringComparer.Ordinal);
        return Attributes.Where(a => set.Contains(a.Scope)).Select(a => a.Name).ToHashSet(StringComparer.Ordinal);
    }

    private static void ValidateName(JsonNode value, ValidationContext context)
    {
        const string path = "identity.name";
        if (!ExpectObject(value, path, context, ["given", "family"], out var name))
        {
            return;
        }

        var parts = 0;
        foreach (var field in (string[])["given", "family"])
        {
            if (name[field] is null)
            {
                continue;
            }

            parts++;
            if (ExpectString(name[field], $"{path}.{field}", context, out var text) && (text.Trim().Length is 0 or > 100 || HasControlCharacters(text)))
            {
                context.Add($"{path}.{field}", "must be 1 to 100 printable characters.");
            }
        }

        if (parts == 0)
        {
            context.Add(path, "needs a given or a family name.");
        }
    }

    private static void ValidateBirthdate(JsonNode value, ValidationContext context)
    {
        const string path = "identity.birthdate";
        if (!ExpectString(value, path, context, out var text))
        {
            return;
        }

        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", out var date))
        {
            context.Add(path, "must be a date written YYYY-MM-DD.");
        }
        else if (date > context.Today)
        {
            context.Add(path, "cannot be in the future.");
        }
        else if (date < new DateOnly(1900, 1, 1))
        {
            context.Add(path, "cannot be before 1900-01-01.");
        }
    }

    private static void ValidateEmail(JsonNode value, ValidationContext context)
    {
        const string path = "contact.email";
        if (ExpectString(value, path, context, out var text) && !IsEmail(text))
        {
            context.Add(path, "must be an e-mail address such as ada@example.org.");
        }
    }

    public static bool IsEmail(string text) =>
        text.Length <= 254
        && System.Net.Mail.MailAddress.TryCreate(text, out var address)
        && address.Address == text
        && address.DisplayName.Length == 0
        && address.Host.Contains('.', StringComparison.Ordinal)
        && !address.Host.EndsWith('.');

    private static void ValidatePhone(JsonNode value, ValidationContext context)
    {
        const string path = "contact.phone";
        if (ExpectString(value, path, context, out var text) && !E164().IsMatch(text))
        {
            context.Add(path, "must be an E.164 number: '+', the country code and the number, at most 15 digits, e.g. +442071838750.");
        }
    }

    private static void ValidatePostal(JsonNode value, ValidationContext context)
    {
        const string path = "contact.postal";
        if (!ExpectObject(value, path, context, ["lines", "locality", "region", "postalCode", "country"], out var postal))
        {
            return;
        }

        if (postal["lines"] is JsonArray lines && lines.Count is >= 1 and <= 4)
        {
            for (var i = 0; i < lines.Count; i++)
            {
                if (ExpectString(lines[i], $"{path}.lines[{i}]", context, out var line) && (line.Trim().Length is 0 or > 100 || HasControlCharacters(line)))
                {
                    context.Add($"{path}.lines[{i}]", "must be 1 to 100 printable characters.");
                }
            }
        }
        else
        {
            context.Add($"{path}.lines", "must be an array of 1 to 4 address lines.");
        }

        RequireText(postal, "locality", path, context, required: true, 100);
        RequireText(postal, "region", path, context, required: false, 100);
        RequireText(postal, "postalCode", path, context, required: false, 20);

        if (postal["country"] is null)
        {
            context.Add($"{path}.country", "is required.");
        }
        else if (ExpectString(postal["country"], $"{path}.country", context, out var country) && !Countries.Contains(country))
        {
            context.Add($"{path}.country", "must be an ISO 3166-1 alpha-2 country code in capitals, e.g. GB or DE.");
        }
    }

    private static void ValidateCommunication(JsonNode value, ValidationContext context)
    {
        const string path = "preferences.communication";
        if (!ExpectObject(value, path, context, ["channels", "maxContactsPerWeek"], out var preferences))
        {
            return;
        }

        if (preferences["channels"] is JsonArray channels)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var channel in channels)
            {
                if (!ExpectString(channel, $"{path}.channels", context, out var name))
                {
                    continue;
                }

                if (!Channels.Contains(name))
                {
                    context.Add($"{path}.channels", $"'{name}' is not a channel; use {string.Join(", ", Channels)}.");
                }
                else if (!seen.Add(name))
                {
                    context.Add($"{path}.channels", $"lists '{name}' twice.");
                }
            }
        }
        else
        {
            context.Add($"{path}.channels", "must be an array of channels (email, sms, phone, post); empty means none.");
        }

        if (preferences["maxContactsPerWeek"] is not JsonValue max || !max.TryGetValue<int>(out var perWeek) || perWeek is < 0 or > 50)
        {
            context.Add($"{path}.maxContactsPerWeek", "must be a whole number from 0 to 50.");
        }
    }

    private static void ValidateInterests(JsonNode value, ValidationContext context)
    {
        const string path = "preferences.interests";
        if (value is not JsonArray tags || tags.Count > 50)
        {
            context.Add(path, "must be an array of at most 50 tags.");
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            if (!ExpectString(tag, path, context, out var text))
            {
                continue;
            }

            if (!Tag().IsMatch(text))
            {
                context.Add(path, $"'{Truncate(text)}' is not a tag: lowercase letters, digits and '-', at most 40 characters.");
            }
            else if (!seen.Add(text))
            {
                context.Add(path, $"lists '{text}' twice.");
            }
        }
    }

    private static void RequireText(JsonObject parent, string field, string path, ValidationContext context, bool required, int maxLength)
    {
        var node = parent[field];
        if (node is null)
        {
            if (required)
            {
                context.Add($"{path}.{field}", "is required.");
            }

            return;
        }

        if (ExpectString(node, $"{path}.{field}", context, out var text) && (text.Trim().Length == 0 || text.Length > maxLength || HasControlCharacters(text)))
        {
            context.Add($"{path}.{field}", $"must be 1 to {maxLength} printable characters.");
        }
    }

    private static bool ExpectObject(JsonNode value, string path, ValidationContext context, string[] allowed, out JsonObject result)
    {
        if (value is not JsonObject obj)
        {
            context.Add(path, $"must be an object with {string.Join(", ", allowed)}.");
            result = [];
            return false;
        }

        foreach (var (key, _) in obj)
        {
            if (!allowed.Contains(key))
            {
                context.Add($"{path}.{key}", $"is not a field of {path}; expected {string.Join(", ", allowed)}.");
            }
        }

        result = obj;
        return true;
    }

    private static bool ExpectString(JsonNode? value, string path, ValidationContext context, out string text)
    {
        if (value is JsonValue v && v.TryGetValue(out string? s))
        {
            text = s;
            return true;
        }

        context.Add(path, "must be a string.");
        text = "";
        return false;
    }

    private static bool HasControlCharacters(string text) => text.Any(char.IsControl);

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";

    [GeneratedRegex(@"^\+[1-9][0-9]{1,14}$")]
    private static partial Regex E164();

    [GeneratedRegex(@"^[a-z0-9][a-z0-9-]{0,39}$")]
    private static partial Regex Tag();

    /// <summary>ISO 3166-1 alpha-2, officially assigned codes.</summary>
    public static readonly IReadOnlySet<string> Countries = new HashSet<string>(
        """
        AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ
        CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR
        GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP
        KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT
        MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW
        SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG
        UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries),
        StringComparer.Ordinal);
}
