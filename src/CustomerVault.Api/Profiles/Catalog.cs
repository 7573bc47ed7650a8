using System.Text.Json.Nodes;
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
