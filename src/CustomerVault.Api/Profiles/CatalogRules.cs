using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using CustomerVault.Kernel;

namespace CustomerVault.Profiles;

// The rules of the catalogue's attributes: each checks a value and reports every problem under the path of the field.
public static partial class Catalog
{
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
}
