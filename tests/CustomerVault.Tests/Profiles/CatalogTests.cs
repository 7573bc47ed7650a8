using CustomerVault.Profiles;

namespace CustomerVault.Tests.Profiles;

public sealed class CatalogTests
{
    [Fact]
    public void Every_attribute_is_covered_by_a_known_scope_and_every_scope_covers_an_attribute()
    {
        Assert.All(Catalog.Attributes, a => Assert.True(Catalog.IsScope(a.Scope), a.Name));
        Assert.All(Catalog.Scopes, s => Assert.NotEmpty(Catalog.AttributesCoveredBy([s.Name])));
    }

    [Fact]
    public void Attribute_names_are_group_dot_field_and_unique()
    {
        Assert.All(Catalog.Attributes, a => Assert.Matches("^[a-z]+\\.[a-z]+$", a.Name));
        Assert.Equal(Catalog.Attributes.Count, Catalog.Attributes.Select(a => a.Name).Distinct().Count());
    }

    [Fact]
    public void The_foundation_attributes_are_all_there()
    {
        Assert.Equal(
            ["contact.email", "contact.phone", "contact.postal", "identity.birthdate", "identity.name", "preferences.communication", "preferences.interests"],
            Catalog.Attributes.Select(a => a.Name).Order());
    }

    [Fact]
    public void Scopes_cover_exactly_their_attributes()
    {
        Assert.Equal(["contact.email", "contact.phone"], Catalog.AttributesCoveredBy(["email", "phone"]).Order());
        Assert.Empty(Catalog.AttributesCoveredBy(["unknown"]));
    }

    [Fact]
    public void The_country_list_is_ISO_3166_1_alpha_2()
    {
        Assert.Equal(249, Catalog.Countries.Count);
        Assert.All(Catalog.Countries, c => Assert.Matches("^[A-Z]{2}$", c));
        Assert.Contains("DE", Catalog.Countries);
        Assert.DoesNotContain("UK", Catalog.Countries);
    }

    [Theory]
    [InlineData("ada@example.org", true)]
    [InlineData("ada.lovelace+vault@mail.example.co.uk", true)]
    [InlineData("ada@localhost", false)]
    [InlineData("Ada <ada@example.org>", false)]
    [InlineData("ada@", false)]
    [InlineData("@example.org", false)]
    public void Email_addresses(string text, bool valid) => Assert.Equal(valid, Catalog.IsEmail(text));
}
