using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using CustomerVault.Kernel;

namespace CustomerVault.Infrastructure.Http;

/// <summary>
/// How the API reads a JSON body: exactly what the contract describes, checked where it is read, so that no handler
/// has to remember it and a body that breaks it is a 400 naming the member, never a failure further down.
/// </summary>
public static partial class JsonInput
{
    public static void Configure(JsonSerializerOptions options)
    {
        // The contract says additionalProperties: false, and an ignored member is worse than a refused one: an approval
        // that misspells "scopes" would approve every scope requested.
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        // A member given twice means two things, and parsers disagree on which one counts.
        options.AllowDuplicateProperties = false;
        options.Converters.Add(new TextConverter());
        options.Converters.Add(new IdConverter());
        options.Converters.Add(new InstantConverter());
    }

    /// <summary>The member a JSON error concerns (<c>body</c> for the whole) and what is wrong with it, for a problem's errors.</summary>
    public static (string Field, string Message) Describe(JsonException e)
    {
        if (UnmappedMember().Match(e.Message) is { Success: true } unmapped)
        {
            // The path ends with the member itself.
            var field = Field(e.Path);
            return (field == "body" ? unmapped.Groups[1].Value : field, "is not a member of this body; the OpenAPI document lists its members.");
        }

        return (Field(e.Path), e switch
        {
            InvalidJsonValueException => e.Message,
            _ when e.Message.Contains("could not be converted to", StringComparison.Ordinal) => "has the wrong type or format (see the OpenAPI document).",
            _ => $"is not valid JSON: {PathSuffix().Replace(e.Message, "")}",
        });
    }

    private static string Field(string? path) => path switch
    {
        null or "$" => "body",
        _ when path.StartsWith("$.", StringComparison.Ordinal) => path[2..],
        _ => path[1..],
    };

    /// <summary>Thrown by the converters below; its message follows the member's name.</summary>
    private sealed class InvalidJsonValueException(string message) : JsonException(message);

    private sealed class TextConverter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            string? text;
            try
            {
                text = reader.GetString();
            }
            catch (InvalidOperationException) when (reader.TokenType == JsonTokenType.String)
            {
                // Escaped lone surrogates and invalid UTF-8 cannot become a string at all.
                throw new InvalidJsonValueException("is not valid Unicode text (an unpaired surrogate or invalid UTF-8).");
            }

            return text is not null && FreeText.Flaw(text) is { } flaw ? throw new InvalidJsonValueException(flaw) : text;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    // The empty id names nothing, and the event store refuses it as a stream id.
    private sealed class IdConverter : JsonConverter<Guid>
    {
        public override Guid Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetGuid() is var id && id == Guid.Empty ? throw new InvalidJsonValueException("is the empty id (all zeros), which names nothing.") : id;

        public override void Write(Utf8JsonWriter writer, Guid value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    // The vault keeps instants in UTC; PostgreSQL's driver refuses another offset, and every comparison is simpler.
    private sealed class InstantConverter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            reader.GetDateTimeOffset().ToUniversalTime();

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) => writer.WriteStringValue(value);
    }

    [GeneratedRegex("^The JSON property '(.*)' could not be mapped to any .NET member", RegexOptions.Singleline)]
    private static partial Regex UnmappedMember();

    [GeneratedRegex(@"\s*(Path: .*)?\| LineNumber: .*$|\s*Path: .*$", RegexOptions.Singleline)]
    private static partial Regex PathSuffix();
}
