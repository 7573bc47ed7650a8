using CustomerVault.Profiles;

namespace CustomerVault.Tests.Profiles;

public sealed class ProfileTests
{
    private static readonly Guid Customer = Guid.NewGuid();
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void GivenRegistered_WhenAttributesAreSetAndCleared_ThenTheProfileHoldsTheLatestSealedValues()
    {
        var profile = Profile.Create(new CustomerRegistered(Customer, T0))
            .Apply(new ProfileAttributeSet(Customer, "contact.email", "v1.a", T0.AddDays(1)))
            .Apply(new ProfileAttributeSet(Customer, "contact.phone", "v1.b", T0.AddDays(2)))
            .Apply(new ProfileAttributeSet(Customer, "contact.email", "v1.c", T0.AddDays(3)))
            .Apply(new ProfileAttributeCleared(Customer, "contact.phone", T0.AddDays(4)));

        Assert.Equal(new Dictionary<string, string> { ["contact.email"] = "v1.c" }, profile.Attributes);
        Assert.Equal(T0, profile.RegisteredAt);
        Assert.Equal(T0.AddDays(4), profile.UpdatedAt);
    }

    [Fact]
    public void Applying_an_event_never_changes_the_earlier_state()
    {
        var before = Profile.Create(new CustomerRegistered(Customer, T0));

        _ = before.Apply(new ProfileAttributeSet(Customer, "contact.email", "v1.a", T0));

        Assert.Empty(before.Attributes);
    }
}
