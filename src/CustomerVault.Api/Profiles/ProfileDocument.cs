using System.Text.Json;
using System.Text.Json.Nodes;
using CustomerVault.Infrastructure.Encryption;

namespace CustomerVault.Profiles;

/// <summary>
/// The profile as customers and vendors see it: attributes nested by group (<c>contact.email</c> is
/// <c>{"contact": {"email": ...}}</c>). Attributes that are not set are absent. This shape is also the target
/// of <c>PATCH /v1/me/profile</c> (JSON Merge Patch).
/// </summary>
public sealed record ProfileDocument
{
    public IdentityAttributes? Identity { get; init; }
    public ContactAttributes? Contact { get; init; }
    public PreferenceAttributes? Preferences { get; init; }

    /// <summary>Opens the sealed attribute values, keeping only those <paramref name="include"/> allows.</summary>
    public static JsonObject Open(IReadOnlyDictionary<string, string> sealedAttributes, CustomerCipher cipher, Func<string, bool>? include = null)
    {
        var document = new JsonObject();
        foreach (var definition in Catalog.Attributes)
        {
            if (!sealedAttributes.TryGetValue(definition.Name, out var sealedValue) || (include is not null && !include(definition.Name)))
            {
                continue;
            }

            if (document[definition.Group] is not JsonObject group)
            {
                document[definition.Group] = group = [];
            }

            group[definition.Field] = JsonNode.Parse(cipher.Open(definition.Name, sealedValue));
        }

        return document;
    }

    /// <summary>The typed view of an opened document, so the OpenAPI document describes what responses hold.</summary>
    public static ProfileDocument From(JsonObject document) =>
        document.Deserialize<ProfileDocument>(JsonSerializerOptions.Web) ?? new ProfileDocument();
}

/// <summary>How an attribute value is written before it is sealed: compact, and without needless escapes.</summary>
public static class ValueJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };
}

public sealed record IdentityAttributes
{
    public PersonName? Name { get; init; }

    /// <summary>YYYY-MM-DD.</summary>
    public string? Birthdate { get; init; }
}

public sealed record PersonName
{
    public string? Given { get; init; }
    public string? Family { get; init; }
}

public sealed record ContactAttributes
{
    public string? Email { get; init; }

    /// <summary>E.164, e.g. +442071838750.</summary>
    public string? Phone { get; init; }

    public PostalAddress? Postal { get; init; }
}

public sealed record PostalAddress
{
    public required IReadOnlyList<string> Lines { get; init; }
    public required string Locality { get; init; }
    public string? Region { get; init; }
    public string? PostalCode { get; init; }

    /// <summary>ISO 3166-1 alpha-2.</summary>
    public required string Country { get; init; }
}

public sealed record PreferenceAttributes
{
    public CommunicationPreferences? Communication { get; init; }
    public IReadOnlyList<string>? Interests { get; init; }
}

public sealed record CommunicationPreferences
{
    /// <summary>Any of email, sms, phone, post.</summary>
    public required IReadOnlyList<string> Channels { get; init; }

    public required int MaxContactsPerWeek { get; init; }
}
