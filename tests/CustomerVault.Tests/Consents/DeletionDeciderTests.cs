using CustomerVault.Consents;
using CustomerVault.Infrastructure.Http;

namespace CustomerVault.Tests.Consents;

public sealed class DeletionDeciderTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Period = TimeSpan.FromDays(30);

    private static Grant Active() => Grant.Create(new AccessGranted(
        Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), null, ["name", "email", "phone"], "marketing", "", null, Now.AddDays(-10), Now.AddDays(30)));

    private static ConfirmDeletion Confirm(string scopes, DateTimeOffset? at = null, string outcome = "deleted") =>
        new(outcome, scopes.Split(' '), at ?? Now.AddHours(-1), Now);

    private static Grant Revoked() => Active().Apply(new GrantRevoked(Guid.Empty, null, Now.AddDays(-2)));

    [Fact]
    public void GivenActive_WhenConfirmed_ThenItIsRefusedAsTooEarly()
    {
        var error = Assert.Throws<ConflictException>(() => GrantDecider.Decide(Confirm("name email phone"), Active()));
        Assert.Equal("active", error.CurrentState);
    }

    [Fact]
    public void GivenEnded_WhenConfirmedForEveryScope_ThenItIsTheFinalConfirmationAndNothingIsOwed()
    {
        var grant = Revoked();

        var e = GrantDecider.Decide(Confirm("name email phone", outcome: "de-identified"), grant);
        var confirmed = grant.Apply(e);

        Assert.True(e.Final);
        Assert.Equal(GrantDeletion.Confirmed, GrantDeletion.Of(confirmed, Now, Period)!.Status);
        Assert.Throws<ConflictException>(() => GrantDecider.Decide(Confirm("name email phone"), confirmed));
    }

    [Fact]
    public void GivenEnded_WhenConfirmedForSomeScopes_ThenTheErrorNamesTheMissingOnes()
    {
        var error = Assert.Throws<RequestValidationException>(() => GrantDecider.Decide(Confirm("name"), Revoked()));
        Assert.Contains("email, phone", error.Errors["scopes"].Single());
    }

    [Theory]
    [InlineData("shredded", 1, "outcome")]
    [InlineData("deleted", -1, "performedAt")]
    [InlineData("deleted", 24 * 11, "performedAt")]
    public void GivenEnded_WhenTheStatementIsImplausible_ThenTheErrorNamesTheField(string outcome, int hoursAgo, string field)
    {
        var error = Assert.Throws<RequestValidationException>(() => GrantDecider.Decide(Confirm("name email phone", Now.AddHours(-hoursAgo), outcome), Revoked()));
        Assert.Equal([field], error.Errors.Keys);
    }

    [Fact]
    public void GivenNarrowed_WhenTheRemovedScopesAreConfirmed_ThenOnlyTheyAreAndTheGrantOwesNothingUntilItEnds()
    {
        var narrowed = Active().Apply(new GrantNarrowed(Guid.Empty, ["phone"], ["name", "email"], Now.AddDays(-1)));
        Assert.Equal(["phone"], GrantDeletion.Of(narrowed, Now, Period)!.Pending);
        Assert.Throws<ConflictException>(() => GrantDecider.Decide(Confirm("email"), narrowed));

        var confirmed = narrowed.Apply(GrantDecider.Decide(Confirm("phone"), narrowed));

        Assert.Equal(GrantDeletion.Confirmed, GrantDeletion.Of(confirmed, Now, Period)!.Status);
        Assert.Empty(confirmed.Removals);
        Assert.Throws<ConflictException>(() => GrantDecider.Decide(Confirm("phone"), confirmed));
    }

    [Fact]
    public void GivenEnded_WhenThePeriodPassesUnconfirmed_ThenItIsNotConfirmed()
    {
        var grant = Revoked();

        Assert.Equal(GrantDeletion.Awaiting, GrantDeletion.Of(grant, Now, Period)!.Status);
        Assert.Equal(Now.AddDays(28), GrantDeletion.Of(grant, Now, Period)!.DueBy);
        Assert.Equal(GrantDeletion.NotConfirmed, GrantDeletion.Of(grant, Now.AddDays(29), Period)!.Status);
        Assert.Null(GrantDeletion.Of(Active(), Now, Period));
    }

    [Fact]
    public void GivenActive_WhenRevokedWithAnUnknownReasonCode_ThenTheErrorNamesReasonCode()
    {
        var error = Assert.Throws<RequestValidationException>(() => GrantDecider.Decide(new RevokeGrant(null, Now, "spite"), Active()));
        Assert.Equal(["reasonCode"], error.Errors.Keys);
    }
}
