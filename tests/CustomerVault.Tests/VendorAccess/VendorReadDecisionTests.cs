using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Profiles;
using CustomerVault.VendorAccess;
using CustomerVault.Vendors;

namespace CustomerVault.Tests.VendorAccess;

/// <summary>What a vendor may read of a customer, decided on the state alone.</summary>
public sealed class VendorReadDecisionTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private static readonly Guid Customer = Guid.Parse("0193a2f0-0000-7000-8000-000000000001");
    private static readonly Guid Vendor = Guid.Parse("0193a2f0-0000-7000-8000-000000000002");

    // She has set her name, e-mail and postal address; not her phone.
    private static readonly Profile Ada = Set(Profile.Create(new CustomerRegistered(Customer, Now.AddYears(-1))), "identity.name", "contact.email", "contact.postal");
    private static readonly CustomerDataKey Key = new(Customer, "master-1", [1, 2, 3], Now.AddYears(-1));

    [Fact]
    public void GivenNoGrant_WhenTheVendorReads_ThenNoActiveGrantCoversIt() =>
        Assert.Equal(Refused(ReadRefusal.NoActiveGrant), Decide(State()));

    [Fact]
    public void GivenAPausedGrant_WhenTheVendorReads_ThenItIsRefusedAsPaused_AndOnceSheConfirmsItIsAllowed()
    {
        var paused = Granted("email").Apply(new GrantPaused(Guid.Empty, Now.AddMonths(-1), Now.AddDays(-1)));

        Assert.Equal(Refused(ReadRefusal.GrantPaused), Decide(State(grants: [paused])));
        Assert.IsType<VendorReadDecision.Allowed>(Decide(State(grants: [paused.Apply(new GrantConfirmed(paused.Id, true, Now))])));
    }

    [Fact]
    public void GivenAPausedGrantAndAnotherActiveOne_WhenTheVendorReads_ThenOnlyTheActiveOneIsReliedOn()
    {
        var paused = Granted("name email").Apply(new GrantPaused(Guid.Empty, Now.AddMonths(-1), Now.AddDays(-1)));
        var active = Granted("email");

        var allowed = Assert.IsType<VendorReadDecision.Allowed>(Decide(State(grants: [paused, active])));
        Assert.Equal([active.Id], allowed.Grants.Select(g => g.Id));
        Assert.Equal(["contact.email"], allowed.Attributes);
    }

    [Fact]
    public void GivenAGrantForAnotherPurpose_WhenTheVendorReadsForMarketing_ThenItIsRefused() =>
        Assert.Equal(Refused(ReadRefusal.NoActiveGrant), Decide(State(grants: [Granted("name email", Purposes.Analytics)]), Purposes.Marketing));

    [Fact]
    public void GivenAGrant_WhenItsExpiryIsThisVeryInstant_ThenItNoLongerCounts_AndOneTickEarlierItDid()
    {
        var grant = Granted("email", expiresAt: Now);

        Assert.Equal(Refused(ReadRefusal.NoActiveGrant), Decide(State(grants: [grant])));
        Assert.IsType<VendorReadDecision.Allowed>(VendorRead.Decide(State(grants: [grant]), Purposes.Marketing, Now.AddTicks(-1)));
    }

    [Fact]
    public void GivenTwoGrantsForThePurpose_WhenTheVendorReads_ThenBothAreReliedOn_AndTheirScopesAddUp()
    {
        var name = Granted("name email");
        var address = Granted("email postal-address");

        var allowed = Assert.IsType<VendorReadDecision.Allowed>(Decide(State(grants: [name, address])));

        Assert.Equal([name.Id, address.Id], allowed.Grants.Select(g => g.Id));
        Assert.Equal(["email", "name", "postal-address"], allowed.Scopes);
        Assert.Equal(["identity.name", "contact.email", "contact.postal"], allowed.Attributes);
    }

    [Fact]
    public void GivenAGrant_WhenTheVendorReads_ThenOnlyWhatItCoversAndSheHasSetLeaves_InCatalogueOrder()
    {
        var allowed = Assert.IsType<VendorReadDecision.Allowed>(Decide(State(grants: [Granted("phone email name")])));

        // No phone number: she has not set one, so none leaves, though the grant covers it.
        Assert.Equal(["email", "name", "phone"], allowed.Scopes);
        Assert.Equal(["identity.name", "contact.email"], allowed.Attributes);
    }

    [Fact]
    public void GivenANarrowedGrant_WhenTheVendorReads_ThenTheRemovedScopeNoLongerLeaves()
    {
        var grant = Granted("name email");
        var narrowed = grant.Apply(new GrantNarrowed(grant.Id, ["name"], ["email"], Now.AddDays(-1)));

        var allowed = Assert.IsType<VendorReadDecision.Allowed>(Decide(State(grants: [narrowed])));

        Assert.Equal(["contact.email"], allowed.Attributes);
    }

    [Theory]
    [InlineData("revoked")]
    [InlineData("relinquished")]
    [InlineData("expired")]
    public void GivenAGrantThatEnded_WhenTheVendorReads_ThenItIsRefused(string end)
    {
        var grant = Granted("name email");
        var ended = end switch
        {
            "revoked" => grant.Apply(new GrantRevoked(grant.Id, null, Now.AddMinutes(-1))),
            "relinquished" => grant.Apply(new GrantRelinquished(grant.Id, null, Now.AddMinutes(-1))),
            _ => grant.Apply(new GrantExpired(grant.Id, Now.AddMinutes(-1))),
        };

        Assert.Equal(Refused(ReadRefusal.NoActiveGrant), Decide(State(grants: [ended])));
    }

    [Fact]
    public void GivenARevokedAndAnActiveGrantForThePurpose_WhenTheVendorReads_ThenOnlyTheActiveOneCounts()
    {
        var revoked = Granted("name");
        var active = Granted("email");

        var allowed = Assert.IsType<VendorReadDecision.Allowed>(Decide(State(grants: [revoked.Apply(new GrantRevoked(revoked.Id, null, Now.AddDays(-1))), active])));

        Assert.Equal([active.Id], allowed.Grants.Select(g => g.Id));
        Assert.Equal(["contact.email"], allowed.Attributes);
    }

    [Fact]
    public void GivenASuspendedVendor_WhenItReads_ThenItIsRefused_ThoughItsGrantStands() =>
        Assert.Equal(Refused(ReadRefusal.VendorSuspended), Decide(State(VendorStatus.Suspended, grants: [Granted("name email")])));

    [Fact]
    public void GivenAnUnregisteredVendor_WhenItReads_ThenItIsRefused() =>
        Assert.Equal(Refused(ReadRefusal.UnknownVendor), Decide(State(null, grants: [Granted("name email")])));

    [Fact]
    public void GivenAnErasedCustomer_WhenTheVendorReads_ThenNothingOfHersCanBeRead()
    {
        var erased = Ada.Apply(new CustomerErased(Customer, Now.AddDays(-1)));

        Assert.Equal(Refused(ReadRefusal.CustomerErased), Decide(State(grants: [Granted("name email")]) with { Profile = erased, Key = null }));
    }

    [Fact]
    public void GivenAnErasedCustomersIdAtTheVendor_WhenTheVendorReads_ThenNothingOfHersCanBeRead() =>
        Assert.Equal(Refused(ReadRefusal.CustomerErased),
            Decide(State(grants: [Granted("name email")]) with { Customer = new PairwiseSubject(null, true), Profile = null, Key = null }));

    [Fact]
    public void GivenAnIdTheVendorDoesNotKnow_WhenItReads_ThenNoOneIsFound() =>
        Assert.Equal(Refused(ReadRefusal.UnknownCustomer), Decide(State() with { Customer = PairwiseSubject.Unknown, Grants = [], Profile = null, Key = null }));

    [Fact]
    public void A_vendor_that_may_not_act_is_told_so_before_anything_about_the_customer()
    {
        var erased = Ada.Apply(new CustomerErased(Customer, Now.AddDays(-1)));

        Assert.Equal(Refused(ReadRefusal.VendorSuspended), Decide(State(VendorStatus.Suspended) with { Profile = erased, Key = null }));
        Assert.Equal(Refused(ReadRefusal.UnknownVendor), Decide(State(null) with { Profile = erased, Key = null }));
        Assert.Equal(Refused(ReadRefusal.VendorSuspended), Decide(State(VendorStatus.Suspended) with { Customer = PairwiseSubject.Unknown }));
    }

    [Fact]
    public void GivenAGrantButNoProfileOrKey_WhenTheVendorReads_ThenThereIsNothingToRead()
    {
        Assert.Equal(Refused(ReadRefusal.NoActiveGrant), Decide(State(grants: [Granted("name")]) with { Profile = null }));
        Assert.Equal(Refused(ReadRefusal.NoActiveGrant), Decide(State(grants: [Granted("name")]) with { Key = null }));
    }

    private static VendorReadDecision Decide(VendorReadState state, string purpose = Purposes.Marketing) => VendorRead.Decide(state, purpose, Now);

    private static VendorReadDecision.Refused Refused(ReadRefusal reason) => new(reason);

    private static VendorReadState State(VendorStatus? vendor = VendorStatus.Active, IReadOnlyList<Grant>? grants = null) =>
        new(vendor, new PairwiseSubject(Customer, false), grants ?? [], Ada, Key);

    private static Grant Granted(string scopes, string purpose = Purposes.Marketing, DateTimeOffset? expiresAt = null)
    {
        var id = Guid.NewGuid();
        return Grant.Create(new AccessGranted(id, Vendor, Customer, null, scopes.Split(' '), purpose, "", null, Now.AddMonths(-1), expiresAt ?? Now.AddMonths(5)));
    }

    private static Profile Set(Profile profile, params string[] attributes) =>
        attributes.Aggregate(profile, (p, a) => p.Apply(new ProfileAttributeSet(Customer, a, "v1.c2VhbGVk", Now.AddYears(-1))));
}
