using CustomerVault.Consents;
using CustomerVault.Infrastructure.Http;

namespace CustomerVault.Tests.Consents;

public sealed class AccessRequestDeciderTests
{
    private static readonly DateTimeOffset Now = new(2026, 1, 31, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid Vendor = Guid.NewGuid();
    private static readonly Guid Customer = Guid.NewGuid();
    private static readonly string[] Ceiling = ["name", "email", "phone"];
    private static readonly GrantDurations Limits = new ConsentOptions().Durations();

    private static RequestAccess Request(
        string[]? scopes = null, string? purpose = "marketing", string? description = "Newsletter", string? duration = "P1M", ContactTerms? terms = null) =>
        new(Guid.NewGuid(), Vendor, Ceiling, Customer, scopes ?? ["name", "email"], purpose, description, duration, terms, TimeSpan.FromDays(30), Now, Limits);

    private static AccessRequest Pending() => AccessRequest.Create(AccessRequestDecider.Decide(Request()));

    private static Grant Granted() => Grant.Create(new AccessGranted(
        Guid.NewGuid(), Vendor, Customer, null, ["name"], "marketing", "Newsletter", null, Now.AddMonths(-1), Now.AddMonths(1)));

    public static TheoryData<string, AccessRequest> NotPending => new()
    {
        { "approved", Pending().Apply(new AccessRequestApproved(Guid.Empty, Guid.NewGuid(), ["name"], Now.AddDays(5), Now)) },
        { "denied", Pending().Apply(new AccessRequestDenied(Guid.Empty, null, Now)) },
        { "expired", Pending().Apply(new AccessRequestExpired(Guid.Empty, Now)) },
        { "expired", Pending() with { AnswerBy = Now } },
    };

    [Fact]
    public void GivenAValidRequest_WhenDeciding_ThenItIsPendingUntilTheAnswerByTime()
    {
        var requested = AccessRequestDecider.Decide(Request());

        Assert.Equal(["name", "email"], requested.Scopes);
        Assert.Equal(Now.AddDays(30), requested.AnswerBy);
        Assert.Equal(AccessRequestStatus.Pending, AccessRequest.Create(requested).StatusAt(Now));
        Assert.Equal(AccessRequestStatus.Expired, AccessRequest.Create(requested).StatusAt(Now.AddDays(30)));
    }

    [Theory]
    [InlineData(new string[0], "marketing", "x", "P1M", "scopes")]
    [InlineData(new[] { "name", "name" }, "marketing", "x", "P1M", "scopes")]
    [InlineData(new[] { "telepathy" }, "marketing", "x", "P1M", "scopes")]
    [InlineData(new[] { "birthdate" }, "marketing", "x", "P1M", "scopes")]
    [InlineData(new[] { "name" }, "profit", "x", "P1M", "purpose")]
    [InlineData(new[] { "name" }, null, "x", "P1M", "purpose")]
    [InlineData(new[] { "name" }, "marketing", " ", "P1M", "description")]
    [InlineData(new[] { "name" }, "marketing", "x", "P0D", "duration")]
    [InlineData(new[] { "name" }, "marketing", "x", "P2Y1D", "duration")]
    [InlineData(new[] { "name" }, "marketing", "x", "1 month", "duration")]
    public void GivenARuleIsBroken_WhenRequesting_ThenTheErrorNamesTheField(string[] scopes, string? purpose, string description, string duration, string field)
    {
        var error = Assert.Throws<RequestValidationException>(() => AccessRequestDecider.Decide(Request(scopes, purpose, description, duration)));

        Assert.Contains(field, error.Errors.Keys);
    }

    [Theory]
    [InlineData(new string[0], 2)]
    [InlineData(new[] { "pigeon" }, 2)]
    [InlineData(new[] { "email" }, 0)]
    [InlineData(new[] { "email" }, 51)]
    public void GivenBadContactTerms_WhenRequesting_ThenTheErrorNamesTheTerm(string[] channels, int perWeek)
    {
        var error = Assert.Throws<RequestValidationException>(() => AccessRequestDecider.Decide(Request(terms: new ContactTerms(channels, perWeek))));

        Assert.Contains(error.Errors.Keys, k => k.StartsWith("contactTerms.", StringComparison.Ordinal));
    }

    [Fact]
    public void GivenPending_WhenApprovedWithoutScopes_ThenEveryRequestedScopeIsGrantedForTheRequestedDurationByTheCalendar()
    {
        var approval = AccessRequestDecider.Decide(new ApproveRequest(null, null, Guid.NewGuid(), Now, Limits), Pending());

        Assert.Equal(["name", "email"], approval.Granted.Scopes);
        // One month from 31 January is the last day of February.
        Assert.Equal(new DateTimeOffset(2026, 2, 28, 12, 0, 0, TimeSpan.Zero), approval.Granted.ExpiresAt);
        Assert.Equal(approval.Approved.GrantId, approval.Granted.GrantId);
        Assert.Equal(Customer, approval.Granted.CustomerId);
        Assert.Equal("marketing", approval.Granted.Purpose);
    }

    [Fact]
    public void GivenPending_WhenApprovedForSomeScopesUntilAnEarlierDate_ThenTheGrantHasJustThose()
    {
        var until = Now.AddDays(3);

        var approval = AccessRequestDecider.Decide(new ApproveRequest(["email"], until, Guid.NewGuid(), Now, Limits), Pending());

        Assert.Equal(["email"], approval.Granted.Scopes);
        Assert.Equal(until, approval.Granted.ExpiresAt);
    }

    [Theory]
    [InlineData(new[] { "phone" }, 0, "scopes")]
    [InlineData(new string[0], 0, "scopes")]
    [InlineData(null, 40, "expiresAt")]
    [InlineData(null, -1, "expiresAt")]
    public void GivenPending_WhenTheApprovalBreaksARule_ThenTheErrorNamesTheField(string[]? scopes, int expiresInDays, string field)
    {
        DateTimeOffset? expiresAt = expiresInDays == 0 ? null : Now.AddDays(expiresInDays);

        var error = Assert.Throws<RequestValidationException>(() => AccessRequestDecider.Decide(new ApproveRequest(scopes, expiresAt, Guid.NewGuid(), Now, Limits), Pending()));

        Assert.Equal([field], error.Errors.Keys);
    }

    [Fact]
    public void GivenPending_WhenDenied_ThenTheReasonIsKept()
    {
        var denied = AccessRequestDecider.Decide(new DenyRequest("  Not now  ", Now), Pending());

        Assert.Equal("Not now", denied.Reason);
    }

    [Theory]
    [MemberData(nameof(NotPending))]
    public void GivenNotPending_WhenApprovedOrDenied_ThenItConflictsNamingTheCurrentState(string state, AccessRequest request)
    {
        var approve = Assert.Throws<ConflictException>(() => AccessRequestDecider.Decide(new ApproveRequest(null, null, Guid.NewGuid(), Now, Limits), request));
        var deny = Assert.Throws<ConflictException>(() => AccessRequestDecider.Decide(new DenyRequest(null, Now), request));

        Assert.Equal(state, approve.CurrentState);
        Assert.Equal(state, deny.CurrentState);
    }

    [Fact]
    public void GivenAnActiveGrantOfTheVendor_WhenAskingToExtendIt_ThenTheRequestSaysWhichGrant()
    {
        var grant = Granted();

        var requested = AccessRequestDecider.Decide(Request(scopes: ["name", "email", "phone"]) with { ExtendsGrantId = grant.Id, Extending = grant });

        Assert.Equal(grant.Id, requested.ExtendsGrantId);
    }

    [Fact]
    public void GivenAGrantOfAnotherPurposeVendorOrCustomer_WhenAskingToExtendIt_ThenTheErrorNamesTheGrant()
    {
        var grant = Granted();
        RequestAccess Extending(Grant g) => Request() with { ExtendsGrantId = g.Id, Extending = g };

        foreach (var wrong in new[] { grant with { Purpose = Purposes.Analytics }, grant with { VendorId = Guid.NewGuid() }, grant with { CustomerId = Guid.NewGuid() },
                     grant.Apply(new GrantRevoked(grant.Id, null, Now)) })
        {
            var error = Assert.Throws<RequestValidationException>(() => AccessRequestDecider.Decide(Extending(wrong)));
            Assert.Equal(["extendsGrantId"], error.Errors.Keys);
        }

        Assert.Throws<RequestValidationException>(() => AccessRequestDecider.Decide(Request() with { ExtendsGrantId = Guid.NewGuid() }));
    }

    [Fact]
    public void GivenARequestToExtendAGrant_WhenApprovedInPart_ThenTheGrantKeepsItsIdAndTakesTheApprovedTermsUntilTheNewEnd()
    {
        var grant = Granted();
        var request = AccessRequest.Create(AccessRequestDecider.Decide(Request(scopes: ["name", "email", "phone"], duration: "P1Y") with
        {
            ExtendsGrantId = grant.Id, Extending = grant,
        }));

        var extension = AccessRequestDecider.Decide(new ApproveRequest(["name", "phone"], null, Guid.NewGuid(), Now, Limits), request, grant);
        var extended = grant.Apply(extension.Extended);

        Assert.Equal(grant.Id, extension.Approved.GrantId);
        Assert.Equal(["name", "phone"], extended.Scopes);
        Assert.Equal(Now.AddYears(1), extended.ExpiresAt);
        Assert.Equal(grant.GrantedAt, extended.GrantedAt);
        Assert.Equal(request.Id, extension.Extended.RequestId);
    }

    [Fact]
    public void GivenARequestToExtendAGrantThatEndedSince_WhenApproved_ThenItConflictsAndAPlainApprovalIsNoWayRound()
    {
        var grant = Granted();
        var request = AccessRequest.Create(AccessRequestDecider.Decide(Request() with { ExtendsGrantId = grant.Id, Extending = grant }));
        var revoked = grant.Apply(new GrantRevoked(grant.Id, null, Now));

        Assert.Equal("revoked", Assert.Throws<ConflictException>(() =>
            AccessRequestDecider.Decide(new ApproveRequest(null, null, Guid.NewGuid(), Now, Limits), request, revoked)).CurrentState);
        Assert.Throws<InvalidOperationException>(() => AccessRequestDecider.Decide(new ApproveRequest(null, null, Guid.NewGuid(), Now, Limits), request));
    }

    [Fact]
    public void GivenPendingPastItsAnswerByTime_WhenExpiring_ThenItExpiresAtThatTime()
    {
        var request = Pending();

        var expired = AccessRequestDecider.Decide(new ExpireRequest(request.AnswerBy.AddHours(1)), request);

        Assert.Equal(request.AnswerBy, expired.ExpiredAt);
    }

    [Fact]
    public void GivenPendingBeforeItsAnswerByTime_WhenExpiring_ThenItConflicts()
    {
        Assert.Throws<ConflictException>(() => AccessRequestDecider.Decide(new ExpireRequest(Now), Pending()));
    }
}
