using System.Text.Json.Nodes;
using CustomerVault.Kernel;
using CustomerVault.Profiles;

namespace CustomerVault.Tests.Profiles;

public sealed class PatchProfileTests
{
    private static readonly DateOnly Today = new(2026, 11, 22);
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private static readonly Guid Customer = Guid.Parse("0193a2f0-0000-7000-8000-000000000001");

    private static JsonObject Current => (JsonObject)JsonNode.Parse("""
        { "identity": { "name": { "given": "Ada", "family": "Lovelace" } }, "contact": { "email": "ada@example.org" } }
        """)!;

    [Fact]
    public void GivenAProfile_WhenPatchSetsOneAttribute_ThenOnlyThatAttributeChanges()
    {
        var plan = PatchProfile.Plan(Current, JsonNode.Parse("""{ "contact": { "phone": "+442071838750" } }"""), Today);

        Assert.False(plan.Validation.HasErrors);
        var change = Assert.Single(plan.Changes);
        Assert.Equal("contact.phone", change.Key);
        Assert.Equal("+442071838750", (string?)change.Value);
    }

    [Fact]
    public void GivenAProfile_WhenPatchChangesOneMemberOfAStructuredAttribute_ThenTheWholeAttributeIsReplacedWithTheMergedValue()
    {
        var plan = PatchProfile.Plan(Current, JsonNode.Parse("""{ "identity": { "name": { "given": "Augusta Ada" } } }"""), Today);

        var change = Assert.Single(plan.Changes);
        Assert.Equal("identity.name", change.Key);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{ "given": "Augusta Ada", "family": "Lovelace" }"""), change.Value));
    }

    [Fact]
    public void GivenAProfile_WhenPatchNullsAnAttribute_ThenItIsCleared()
    {
        var plan = PatchProfile.Plan(Current, JsonNode.Parse("""{ "contact": { "email": null } }"""), Today);

        var change = Assert.Single(plan.Changes);
        Assert.Equal("contact.email", change.Key);
        Assert.Null(change.Value);
    }

    [Fact]
    public void GivenAProfile_WhenPatchRepeatsTheCurrentValue_ThenNothingChanges()
    {
        var plan = PatchProfile.Plan(Current, JsonNode.Parse("""{ "contact": { "email": "ada@example.org" } }"""), Today);

        Assert.Empty(plan.Changes);
        Assert.False(plan.Validation.HasErrors);
    }

    [Theory]
    [InlineData("""{ "contact": { "fax": "+4930123" } }""", "contact.fax")]
    [InlineData("""{ "secrets": { "pin": "1234" } }""", "secrets")]
    [InlineData("""{ "contact": "ada@example.org" }""", "contact")]
    [InlineData("""{ "identity": { "birthdate": "2026-11-23" } }""", "identity.birthdate")]
    [InlineData("""{ "identity": { "birthdate": "10/12/1990" } }""", "identity.birthdate")]
    [InlineData("""{ "identity": { "name": { "given": "" } } }""", "identity.name.given")]
    [InlineData("""{ "identity": { "name": { "given": null, "family": null } } }""", "identity.name")]
    [InlineData("""{ "contact": { "phone": "+0123" } }""", "contact.phone")]
    [InlineData("""{ "contact": { "postal": { "lines": [], "locality": "X", "country": "GB" } } }""", "contact.postal.lines")]
    [InlineData("""{ "contact": { "postal": { "lines": ["1"], "locality": "X", "country": "gb" } } }""", "contact.postal.country")]
    [InlineData("""{ "contact": { "postal": { "lines": ["1"], "country": "GB" } } }""", "contact.postal.locality")]
    [InlineData("""{ "preferences": { "communication": { "channels": ["email", "email"], "maxContactsPerWeek": 1 } } }""", "preferences.communication.channels")]
    [InlineData("""{ "preferences": { "communication": { "channels": [], "maxContactsPerWeek": 51 } } }""", "preferences.communication.maxContactsPerWeek")]
    [InlineData("""{ "preferences": { "interests": ["Not A Tag"] } }""", "preferences.interests")]
    public void GivenAProfile_WhenPatchBreaksARule_ThenTheErrorNamesTheField(string patch, string field)
    {
        var plan = PatchProfile.Plan(Current, JsonNode.Parse(patch), Today);

        Assert.True(plan.Validation.HasErrors);
        Assert.Contains(field, plan.Validation.ToDictionary().Keys);
    }

    [Fact]
    public void GivenAProfile_WhenTheBodyIsNotAnObject_ThenTheErrorNamesTheBody()
    {
        var plan = PatchProfile.Plan(Current, JsonNode.Parse("[]"), Today);

        Assert.Equal(["body"], plan.Validation.ToDictionary().Keys);
    }

    [Fact]
    public void GivenChanges_WhenDeciding_ThenEachSetIsSealedForItsAttributeAndEachClearIsRecorded()
    {
        var changes = new Dictionary<string, JsonNode?> { ["contact.phone"] = "+442071838750", ["contact.email"] = null };

        var events = PatchProfile.Decide(Customer, changes, (attribute, plaintext) => $"sealed[{attribute}]({plaintext})", Now);

        Assert.Equal(
            [
                new ProfileAttributeCleared(Customer, "contact.email", Now),
                new ProfileAttributeSet(Customer, "contact.phone", "sealed[contact.phone](\"+442071838750\")", Now),
            ],
            events);
    }

    [Fact]
    public void Every_catalogue_example_is_valid_and_survives_the_typed_profile_document()
    {
        var document = new JsonObject();
        foreach (var attribute in Catalog.Attributes)
        {
            var context = new ValidationContext(Today);
            attribute.Validate(attribute.Example, context);
            Assert.False(context.HasErrors, $"{attribute.Name}: {string.Join(", ", context.ToDictionary().Keys)}");
            document[attribute.Group] ??= new JsonObject();
            document[attribute.Group]![attribute.Field] = attribute.Example.DeepClone();
        }

        var typed = System.Text.Json.JsonSerializer.SerializeToNode(ProfileDocument.From(document), new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
        });
        Assert.True(JsonNode.DeepEquals(document, typed), typed!.ToJsonString());
    }

    [Theory]
    [InlineData("""{ "identity": { "name": { "given": "Ada\u0000" } } }""", "identity.name.given")]
    [InlineData("""{ "contact": { "postal": { "lines": ["1 Main St", "\u001b[2J"] } } }""", "contact.postal.lines[1]")]
    [InlineData("""{ "identity": { "name": { "given": "Ada\ud800" } } }""", "body")]
    [InlineData("""{ "identity": { "name\udfff": { "given": "Ada" } } }""", "body")]
    public void GivenAPatch_WithAControlCharacterOrALoneSurrogate_ThenItIsInvalidAndChangesNothing(string patch, string field)
    {
        var plan = PatchProfile.Plan(Current, JsonNode.Parse(patch), Today);

        Assert.Contains(field, plan.Validation.ToDictionary().Keys);
        Assert.Empty(plan.Changes);
    }
}
