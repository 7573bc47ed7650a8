using CustomerVault.VendorAccess;
using CustomerVault.Consents;
using CustomerVault.Profiles;

namespace CustomerVault.Tests.VendorAccess;

public sealed class ContactPermissionTests
{
    private static Grant WithTerms(ContactTerms? terms) => Grant.Create(new AccessGranted(
        Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), null, ["email"], "marketing", "", terms, DateTimeOffset.UnixEpoch, DateTimeOffset.MaxValue));

    private static CommunicationPreferences Accepts(int perWeek, params string[] channels) => new() { Channels = channels, MaxContactsPerWeek = perWeek };

    [Fact]
    public void Without_contact_terms_there_is_no_contact() =>
        Assert.Equal("no-contact-grant", Contacts.Decide("email", [WithTerms(null)], null, 0).Reason);

    [Fact]
    public void A_channel_the_grant_lacks_is_not_granted() =>
        Assert.Equal("channel-not-granted", Contacts.Decide("sms", [WithTerms(new ContactTerms(["email"], 3))], null, 0).Reason);

    [Fact]
    public void A_channel_her_preferences_do_not_accept_is_refused() =>
        Assert.Equal("channel-not-accepted", Contacts.Decide("email", [WithTerms(new ContactTerms(["email"], 3))], Accepts(5, "post"), 0).Reason);

    [Fact]
    public void Without_preferences_the_grants_terms_decide()
    {
        var permission = Contacts.Decide("email", [WithTerms(new ContactTerms(["email"], 3))], null, 2);

        Assert.True(permission.Allowed);
        Assert.Equal(3, permission.WeeklyLimit);
    }

    [Theory]
    [InlineData(3, 5, 2, true)]
    [InlineData(3, 5, 3, false)]
    [InlineData(5, 1, 1, false)]
    [InlineData(5, 1, 0, true)]
    [InlineData(5, 0, 0, false)]
    public void The_lower_weekly_maximum_caps_contacts(int grantCap, int preferenceCap, int recent, bool allowed)
    {
        var permission = Contacts.Decide("email", [WithTerms(new ContactTerms(["email"], grantCap))], Accepts(preferenceCap, "email"), recent);

        Assert.Equal(allowed, permission.Allowed);
        Assert.Equal(Math.Min(grantCap, preferenceCap), permission.WeeklyLimit);
        Assert.Equal(allowed ? null : "weekly-cap-reached", permission.Reason);
    }

    [Fact]
    public void The_most_generous_grant_on_the_channel_counts()
    {
        var permission = Contacts.Decide("email", [WithTerms(new ContactTerms(["email"], 1)), WithTerms(new ContactTerms(["email", "sms"], 4))], null, 2);

        Assert.True(permission.Allowed);
        Assert.Equal(2, permission.Grants.Count);
    }

    [Fact]
    public void Her_inbox_comes_with_any_grant_that_allows_contact_whatever_its_channels_and_her_preferences()
    {
        var permission = Contacts.Decide(Contacts.Portal, [WithTerms(new ContactTerms(["post"], 2))], Accepts(5, "sms"), 1);

        Assert.True(permission.Allowed);
        Assert.Equal(2, permission.WeeklyLimit);
    }

    [Fact]
    public void Her_inbox_counts_against_the_same_cap() =>
        Assert.Equal("weekly-cap-reached", Contacts.Decide(Contacts.Portal, [WithTerms(new ContactTerms(["email"], 2))], null, 2).Reason);

    [Fact]
    public void Her_inbox_needs_a_grant_that_allows_contact() =>
        Assert.Equal("no-contact-grant", Contacts.Decide(Contacts.Portal, [WithTerms(null)], null, 0).Reason);

    [Fact]
    public void The_next_contact_is_allowed_when_the_oldest_counted_one_leaves_the_seven_days()
    {
        var at = new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
        DateTimeOffset[] recent = [at, at.AddHours(1), at.AddHours(2)];

        Assert.Equal(at.AddDays(7), Contacts.NextAllowedAt(recent, 3));
        // Her preferences lowered the cap to 2 after three contacts: two have to age out.
        Assert.Equal(at.AddHours(1).AddDays(7), Contacts.NextAllowedAt(recent, 2));
    }
}
