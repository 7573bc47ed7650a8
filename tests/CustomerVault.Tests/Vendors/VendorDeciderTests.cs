using CustomerVault.Infrastructure.Http;
using CustomerVault.Vendors;

namespace CustomerVault.Tests.Vendors;

public sealed class VendorDeciderTests
{
    private static readonly DateTimeOffset Now = new(2026, 5, 1, 0, 0, 0, TimeSpan.Zero);

    private static Vendor Active() => Vendor.Create(VendorDecider.Decide(
        new RegisterVendor("Acme", "https://acme.example", "privacy@acme.example", ["name"], null), Guid.NewGuid(), "acme", Now));

    [Fact]
    public void GivenActive_WhenSuspended_ThenSuspendedWithTheReason_AndWhenReactivated_ThenActive()
    {
        var vendor = Active();

        var suspended = vendor.Apply((VendorSuspended)VendorDecider.Decide(new SuspendVendor("Breach", Now), vendor));
        var reactivated = suspended.Apply((VendorReactivated)VendorDecider.Decide(new ReactivateVendor(Now), suspended));

        Assert.Equal(VendorStatus.Suspended, suspended.Status);
        Assert.Equal("Breach", suspended.SuspensionReason);
        Assert.Equal(VendorStatus.Active, reactivated.Status);
        Assert.Null(reactivated.SuspensionReason);
    }

    [Fact]
    public void Suspending_a_suspended_or_reactivating_an_active_vendor_conflicts()
    {
        var vendor = Active();
        var suspended = vendor.Apply(new VendorSuspended(vendor.Id, null, Now));

        Assert.Equal("active", Assert.Throws<ConflictException>(() => VendorDecider.Decide(new ReactivateVendor(Now), vendor)).CurrentState);
        Assert.Equal("suspended", Assert.Throws<ConflictException>(() => VendorDecider.Decide(new SuspendVendor(null, Now), suspended)).CurrentState);
    }

    [Theory]
    [InlineData("", "https://a.example", "a@a.example", "name", "displayName")]
    [InlineData("A", "a.example", "a@a.example", "name", "website")]
    [InlineData("A", null, "a", "name", "contactEmail")]
    [InlineData("A", null, "a@a.example", "", "scopes")]
    public void Registration_errors_name_the_field(string name, string? website, string email, string scopes, string field)
    {
        var error = Assert.Throws<RequestValidationException>(() => VendorDecider.Decide(
            new RegisterVendor(name, website, email, scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), null), Guid.NewGuid(), "c", Now));

        Assert.Equal([field], error.Errors.Keys);
    }
}
