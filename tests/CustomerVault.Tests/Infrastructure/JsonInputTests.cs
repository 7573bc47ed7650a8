using System.Text.Json;
using CustomerVault.Infrastructure.Http;

namespace CustomerVault.Tests.Infrastructure;

public sealed class JsonInputTests
{
    private static readonly JsonSerializerOptions Options = Configured();

    public sealed record Terms(IReadOnlyList<string> Channels, int MaxContactsPerWeek);

    public sealed record Body(Guid VendorId, string? Description, IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt, Terms? Terms);

    [Theory]
    [InlineData("""{ "vendorId": "0193a2f0-0000-7000-8000-000000000001", "scope": ["email"] }""", "scope")]
    [InlineData("""{ "terms": { "channels": ["email"], "maxContactsPerWeek": 1, "perDay": 3 } }""", "terms.perDay")]
    [InlineData("""{ "description": "news\u0000" }""", "description")]
    [InlineData("""{ "description": "news\ud800" }""", "description")]
    [InlineData("""{ "scopes": ["email", "\u001b[2J"] }""", "scopes[1]")]
    [InlineData("""{ "vendorId": "00000000-0000-0000-0000-000000000000" }""", "vendorId")]
    [InlineData("""{ "vendorId": 42 }""", "vendorId")]
    [InlineData("""{ "description": "a", "description": "b" }""", "description")]
    [InlineData("""[]""", "body")]
    public void A_body_that_breaks_the_contract_fails_naming_the_member(string json, string field)
    {
        var failure = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<Body>(json, Options));

        Assert.Equal(field, JsonInput.Describe(failure).Field);
    }

    [Fact]
    public void Messages_name_no_type_of_the_vault()
    {
        var failure = Assert.ThrowsAny<JsonException>(() => JsonSerializer.Deserialize<Body>("""{ "vendorId": true, "x": 1 }""", Options));

        Assert.DoesNotContain("CustomerVault", JsonInput.Describe(failure).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Instants_are_read_in_utc_and_text_people_write_passes()
    {
        var body = JsonSerializer.Deserialize<Body>(
            """{ "expiresAt": "2027-01-01T09:00:00+14:00", "description": "Zürich\nnews 🔭", "terms": { "channels": ["email"], "maxContactsPerWeek": 1 } }""", Options)!;

        Assert.Equal(TimeSpan.Zero, body.ExpiresAt!.Value.Offset);
        Assert.Equal(new DateTimeOffset(2026, 12, 31, 19, 0, 0, TimeSpan.Zero), body.ExpiresAt);
        Assert.Equal("Zürich\nnews 🔭", body.Description);
    }

    private static JsonSerializerOptions Configured()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        JsonInput.Configure(options);
        return options;
    }
}
