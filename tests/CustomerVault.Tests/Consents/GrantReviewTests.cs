using CustomerVault.Consents;
using CustomerVault.Infrastructure.Http;

namespace CustomerVault.Tests.Consents;

/// <summary>Consent that does not go stale: the longest a grant may run, the still-sharing reminder, and the pause of unconfirmed grants.</summary>
public sealed class GrantReviewTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly GrantDurations Limits = new ConsentOptions().Durations();
    private static readonly ReviewPolicy RemindOnly = new ConsentOptions().Reviews();
    private static readonly ReviewPolicy PauseMarketing = new(TimeSpan.FromDays(90), new Dictionary<string, TimeSpan> { [Purposes.Marketing] = TimeSpan.FromDays(120) });

    private static Grant Granted(string purpose = Purposes.Marketing, int months = 12) => Grant.Create(new AccessGranted(
        Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), null, ["email"], purpose, "", null, Now, Now.AddMonths(months)));

    private static RequestAccess Asking(string purpose, string duration) => new(
        Guid.NewGuid(), Guid.NewGuid(), ["email"], Guid.NewGuid(), ["email"], purpose, "Newsletter", duration, null, TimeSpan.FromDays(30), Now, Limits);

    [Theory]
    [InlineData(Purposes.Marketing, "P12M", true)]
    [InlineData(Purposes.Marketing, "P13M", false)]
    [InlineData(Purposes.Analytics, "P1Y", true)]
    [InlineData(Purposes.Analytics, "P366D", false)]
    [InlineData(Purposes.ServiceDelivery, "P24M", true)]
    [InlineData(Purposes.Analytics, "P12M1D", false)]
    public void GivenThePurposesLongestDuration_WhenAVendorAsks_ThenALongerDurationIsRefusedNamingIt(string purpose, string duration, bool allowed)
    {
        var errors = AccessRequestDecider.ValidateTerms(Asking(purpose, duration)).ToDictionary();

        Assert.Equal(allowed, !errors.ContainsKey("duration"));
        if (!allowed)
        {
            Assert.Contains(purpose, Assert.Single(errors["duration"]));
        }
    }

    [Fact]
    public void GivenALongestDurationOfTwelveMonths_WhenSheGrantsMarketingForThirteen_ThenExpiresAtIsRefused()
    {
        GrantAccess Granting(DateTimeOffset until) => new(
            Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), ["email"], ["email"], Purposes.Marketing, null, until, null, Now, Limits);

        Assert.Equal(Now.AddMonths(12), GrantDecider.Decide(Granting(Now.AddMonths(12))).ExpiresAt);
        var error = Assert.Throws<RequestValidationException>(() => GrantDecider.Decide(Granting(Now.AddMonths(12).AddDays(1))));
        Assert.Equal(["expiresAt"], error.Errors.Keys);
    }

    [Fact]
    public void GivenARequestAskedBeforeTheLimitWasLowered_WhenSheApproves_ThenTheGrantEndsWhereTheLimitAllowsNow()
    {
        var request = AccessRequest.Create(AccessRequestDecider.Decide(Asking(Purposes.Marketing, "P12M")));
        var lowered = new GrantDurations(new Dictionary<string, IsoDuration> { [Purposes.Marketing] = new(0, 6, 0, 0, 0, 0, 0) });

        var approval = AccessRequestDecider.Decide(new ApproveRequest(null, null, Guid.NewGuid(), Now, lowered), request);
        var beyond = Assert.Throws<RequestValidationException>(() =>
            AccessRequestDecider.Decide(new ApproveRequest(null, Now.AddMonths(7), Guid.NewGuid(), Now, lowered), request));

        Assert.Equal(Now.AddMonths(6), approval.Granted.ExpiresAt);
        Assert.Equal(["expiresAt"], beyond.Errors.Keys);
    }

    [Fact]
    public void GivenAGrant_WhenItsExtensionIsApproved_ThenTheNewEndIsCountedFromTheApproval_AndCapped()
    {
        var grant = Granted();
        var later = Now.AddMonths(11);
        var request = AccessRequest.Create(AccessRequestDecider.Decide(Asking(Purposes.Marketing, "P12M") with
        {
            VendorId = grant.VendorId, CustomerId = grant.CustomerId, ExtendsGrantId = grant.Id, Extending = grant, Now = later,
        }));

        var extension = AccessRequestDecider.Decide(new ApproveRequest(null, null, Guid.NewGuid(), later, Limits), request, grant);

        Assert.Equal(later.AddMonths(12), extension.Extended.ExpiresAt);
        Assert.Equal(later, grant.Apply(extension.Extended).LastReviewedAt);
    }

    [Fact]
    public void GivenAGrantReviewedAtGranting_WhenNinetyDaysPass_ThenSheIsRemindedOnce_AndAgainOnlyAfterTheNextPeriod()
    {
        var grant = Granted();

        Assert.Empty(GrantDecider.Decide(new ReviewGrant(RemindOnly, Guid.NewGuid(), Now.AddDays(90).AddTicks(-1)), grant));
        var reminded = Assert.IsType<GrantReviewReminded>(Assert.Single(GrantDecider.Decide(new ReviewGrant(RemindOnly, Guid.NewGuid(), Now.AddDays(90)), grant)));
        Assert.Equal(Now, reminded.ReviewedAt);
        Assert.Null(reminded.PausesAt);

        var afterReminder = grant.Apply(reminded);
        Assert.Empty(GrantDecider.Decide(new ReviewGrant(RemindOnly, Guid.NewGuid(), Now.AddDays(179)), afterReminder));
        Assert.Single(GrantDecider.Decide(new ReviewGrant(RemindOnly, Guid.NewGuid(), Now.AddDays(180)), afterReminder));
    }

    [Fact]
    public void GivenSheConfirmed_WhenTheOldPeriodEnds_ThenNoReminder_UntilNinetyDaysAfterHerConfirmation()
    {
        var grant = Granted().Apply(new GrantConfirmed(Guid.Empty, false, Now.AddDays(60)));

        Assert.Empty(GrantDecider.Decide(new ReviewGrant(RemindOnly, Guid.NewGuid(), Now.AddDays(120)), grant));
        Assert.Single(GrantDecider.Decide(new ReviewGrant(RemindOnly, Guid.NewGuid(), Now.AddDays(150)), grant));
    }

    [Fact]
    public void GivenAPurposeThatAsksForReconfirmation_WhenItsPeriodPassesUnconfirmed_ThenTheGrantPauses_AndConfirmingResumesIt()
    {
        var grant = Granted();
        var reminded = Assert.IsType<GrantReviewReminded>(Assert.Single(GrantDecider.Decide(new ReviewGrant(PauseMarketing, Guid.NewGuid(), Now.AddDays(90)), grant)));
        Assert.Equal(Now.AddDays(120), reminded.PausesAt);

        var paused = Assert.IsType<GrantPaused>(Assert.Single(GrantDecider.Decide(new ReviewGrant(PauseMarketing, Guid.NewGuid(), Now.AddDays(120)), grant.Apply(reminded))));
        var pausedGrant = grant.Apply(reminded).Apply(paused);
        Assert.True(pausedGrant.IsPausedAt(Now.AddDays(121)));
        Assert.Equal("paused", GrantDecider.StatusName(pausedGrant, Now.AddDays(121)));
        Assert.Empty(GrantDecider.Decide(new ReviewGrant(PauseMarketing, Guid.NewGuid(), Now.AddDays(300)), pausedGrant));

        var confirmed = GrantDecider.Decide(new ConfirmGrant(Now.AddDays(130)), pausedGrant);
        Assert.True(confirmed.Resumed);
        Assert.False(pausedGrant.Apply(confirmed).IsPausedAt(Now.AddDays(130)));
        Assert.Equal(Now.AddDays(130), pausedGrant.Apply(confirmed).LastReviewedAt);
    }

    [Fact]
    public void GivenAnotherPurpose_WhenTheReconfirmationPeriodPasses_ThenItNeverPauses() =>
        Assert.DoesNotContain(GrantDecider.Decide(new ReviewGrant(PauseMarketing, Guid.NewGuid(), Now.AddDays(200)), Granted(Purposes.ServiceDelivery)),
            e => e is GrantPaused);

    [Fact]
    public void GivenAnEndedGrant_WhenConfirmed_ThenItConflicts_AndNothingIsDueOnIt()
    {
        var revoked = Granted().Apply(new GrantRevoked(Guid.Empty, null, Now.AddDays(1)));

        Assert.Equal("revoked", Assert.Throws<ConflictException>(() => GrantDecider.Decide(new ConfirmGrant(Now.AddDays(2)), revoked)).CurrentState);
        Assert.Empty(GrantDecider.Decide(new ReviewGrant(PauseMarketing, Guid.NewGuid(), Now.AddDays(200)), revoked));
    }
}
