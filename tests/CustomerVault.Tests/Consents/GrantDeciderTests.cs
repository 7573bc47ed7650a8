using CustomerVault.Consents;
using CustomerVault.Infrastructure.Http;

namespace CustomerVault.Tests.Consents;

public sealed class GrantDeciderTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly GrantDurations Limits = new ConsentOptions().Durations();

    private static Grant Active() => Grant.Create(new AccessGranted(
        Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), null, ["name", "email", "phone"], "marketing", "", null, Now.AddDays(-1), Now.AddDays(30)));

    public static TheoryData<string, Grant> Ended => new()
    {
        { "revoked", Active().Apply(new GrantRevoked(Guid.Empty, null, Now)) },
        { "relinquished", Active().Apply(new GrantRelinquished(Guid.Empty, null, Now)) },
        { "expired", Active().Apply(new GrantExpired(Guid.Empty, Now)) },
        { "expired", Active() with { ExpiresAt = Now } },
    };

    [Fact]
    public void GivenActive_WhenRevoked_ThenItIsRevokedAtThatMoment()
    {
        var grant = Active();

        var revoked = grant.Apply(GrantDecider.Decide(new RevokeGrant("Changed my mind", Now), grant));

        Assert.Equal(GrantStatus.Revoked, revoked.StatusAt(Now));
        Assert.Equal(Now, revoked.EndedAt);
        Assert.Equal("Changed my mind", revoked.EndReason);
    }

    [Fact]
    public void GivenActive_WhenRelinquished_ThenItIsRelinquished()
    {
        var grant = Active();

        Assert.Equal(GrantStatus.Relinquished, grant.Apply(GrantDecider.Decide(new RelinquishGrant(null, Now), grant)).StatusAt(Now));
    }

    [Fact]
    public void GivenActive_WhenNarrowed_ThenTheRemainingScopesKeepTheirOrderAndTheGrantStaysActive()
    {
        var grant = Active();

        var narrowed = grant.Apply(GrantDecider.Decide(new NarrowGrant(["email"], Now), grant));

        Assert.Equal(["name", "phone"], narrowed.Scopes);
        Assert.True(narrowed.IsActiveAt(Now));
    }

    [Theory]
    [InlineData("name email phone")]
    [InlineData("birthdate")]
    [InlineData("")]
    public void GivenActive_WhenNarrowingAwayEverythingOrWhatItLacks_ThenTheErrorNamesRemoveScopes(string removeScopes)
    {
        var remove = removeScopes.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var error = Assert.Throws<RequestValidationException>(() => GrantDecider.Decide(new NarrowGrant(remove, Now), Active()));

        Assert.Equal(["removeScopes"], error.Errors.Keys);
    }

    [Theory]
    [MemberData(nameof(Ended))]
    public void GivenEnded_WhenRevokedNarrowedOrRelinquished_ThenItConflictsNamingTheState(string state, Grant grant)
    {
        Assert.Equal(state, Assert.Throws<ConflictException>(() => GrantDecider.Decide(new RevokeGrant(null, Now), grant)).CurrentState);
        Assert.Equal(state, Assert.Throws<ConflictException>(() => GrantDecider.Decide(new NarrowGrant(["name"], Now), grant)).CurrentState);
        Assert.Equal(state, Assert.Throws<ConflictException>(() => GrantDecider.Decide(new RelinquishGrant(null, Now), grant)).CurrentState);
    }

    [Fact]
    public void GivenActivePastItsEnd_WhenExpiring_ThenItExpiresAtItsEnd()
    {
        var grant = Active();

        Assert.Equal(grant.ExpiresAt, GrantDecider.Decide(new ExpireGrant(grant.ExpiresAt.AddMinutes(5)), grant).ExpiredAt);
        Assert.Throws<ConflictException>(() => GrantDecider.Decide(new ExpireGrant(Now), grant));
    }

    [Fact]
    public void GivenAVendor_WhenTheCustomerGrantsOnHerOwnInitiative_ThenTheGrantHasNoRequest()
    {
        var granted = GrantDecider.Decide(new GrantAccess(Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), ["name", "email"], ["email"], "service-delivery",
            "Order updates", Now.AddDays(60), new ContactTerms(["email"], 1), Now, Limits));

        Assert.Null(granted.RequestId);
        Assert.Equal(["email"], granted.Scopes);
        Assert.Equal(Now.AddDays(60), granted.ExpiresAt);
    }

    [Theory]
    [InlineData(new[] { "phone" }, "service-delivery", 60, "scopes")]
    [InlineData(new[] { "email" }, "fun", 60, "purpose")]
    [InlineData(new[] { "email" }, "service-delivery", 0, "expiresAt")]
    [InlineData(new[] { "email" }, "service-delivery", -3, "expiresAt")]
    [InlineData(new[] { "email" }, "service-delivery", 800, "expiresAt")]
    public void GivenARuleIsBroken_WhenTheCustomerGrants_ThenTheErrorNamesTheField(string[] scopes, string purpose, int days, string field)
    {
        DateTimeOffset? expiresAt = days == 0 ? null : Now.AddDays(days);

        var error = Assert.Throws<RequestValidationException>(() => GrantDecider.Decide(new GrantAccess(
            Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), ["name", "email"], scopes, purpose, null, expiresAt, null, Now, Limits)));

        Assert.Equal([field], error.Errors.Keys);
    }

    [Fact]
    public void GivenContactTerms_WhenContactEnds_ThenTheGrantStaysActiveWithoutContact()
    {
        var grant = Active() with { ContactTerms = new ContactTerms(["email"], 2) };
        var messageId = Guid.NewGuid();

        var e = GrantDecider.Decide(new EndContact(ContactEndReasons.Unsubscribed, messageId, Now), grant);

        Assert.Equal(new GrantContactEnded(grant.Id, "unsubscribed", messageId, Now), e);
        var after = grant.Apply(e!);
        Assert.Null(after.ContactTerms);
        Assert.Equal(GrantStatus.Active, after.StatusAt(Now));
        Assert.Equal(grant.Scopes, after.Scopes);
    }

    [Fact]
    public void GivenNoContactTerms_WhenContactEnds_ThenNothingHappens() =>
        Assert.Null(GrantDecider.Decide(new EndContact(ContactEndReasons.Stopped, null, Now), Active()));

    [Theory]
    [MemberData(nameof(Ended))]
    public void GivenEnded_WhenContactEnds_ThenNothingHappens(string _, Grant grant) =>
        Assert.Null(GrantDecider.Decide(new EndContact(ContactEndReasons.Stopped, null, Now), grant with { ContactTerms = new ContactTerms(["email"], 2) }));
}
