using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Profiles;
using CustomerVault.Vendors;

namespace CustomerVault.VendorAccess;

/// <summary>Everything a vendor read decides on, as the last acknowledged change left it (<see cref="VendorReadQuery"/>).</summary>
/// <param name="VendorStatus">Null when the token's vendor is not registered.</param>
/// <param name="Customer">Whom the vendor's id for the customer leads to: her, no one, or a customer who erased her account.</param>
/// <param name="Grants">The vendor's grants of this customer, in any status and for any purpose.</param>
/// <param name="Key">The customer's data key; destroyed when she erased her account.</param>
public sealed record VendorReadState(VendorStatus? VendorStatus, PairwiseSubject Customer, IReadOnlyList<Grant> Grants, Profile? Profile, CustomerDataKey? Key);

/// <summary>The outcome of a vendor read: what may leave the vault, or why nothing does.</summary>
public abstract record VendorReadDecision
{
    private VendorReadDecision()
    {
    }

    /// <param name="Grants">The grants the read relies on: active now, for the purpose stated.</param>
    /// <param name="Scopes">What those grants cover together, in order.</param>
    /// <param name="Attributes">The attributes that leave: those the scopes cover and the customer has set, in catalogue order.</param>
    public sealed record Allowed(IReadOnlyList<Grant> Grants, IReadOnlyList<string> Scopes, IReadOnlyList<string> Attributes) : VendorReadDecision;

    public sealed record Refused(ReadRefusal Reason) : VendorReadDecision;
}

public enum ReadRefusal
{
    /// <summary>The token's client is not a registered vendor.</summary>
    UnknownVendor,

    /// <summary>An operator suspended the vendor: its grants stand, but no read is served.</summary>
    VendorSuspended,

    /// <summary>The vendor knows no customer by the id it gave (a vault id, another vendor's id, a made-up one).</summary>
    UnknownCustomer,

    /// <summary>The customer erased her account: nothing of hers can be read.</summary>
    CustomerErased,

    /// <summary>No grant to this vendor for this purpose is active now (or the customer has no data to read).</summary>
    NoActiveGrant,

    /// <summary>The grants for this purpose are paused: their purpose asks her to reconfirm, and she has not yet. They resume when she confirms.</summary>
    GrantPaused,
}

public static class VendorRead
{
    /// <summary>
    /// Which of a customer's data a vendor may read now, for a purpose. Only a registered vendor that is not suspended
    /// reads, only a customer it knows by the id it gave, and nothing of a customer who erased her account. Purpose limitation (GDPR art. 5(1)(b)): only grants for
    /// the purpose stated count, and only while they are active: a grant ends at its expiry to the instant, whether or
    /// not the expiry is recorded yet. Several grants for the purpose add up; what leaves is what their scopes cover of
    /// what the customer has set, nothing more.
    /// </summary>
    public static VendorReadDecision Decide(VendorReadState state, string purpose, DateTimeOffset now)
    {
        switch (state.VendorStatus)
        {
            case null:
                return new VendorReadDecision.Refused(ReadRefusal.UnknownVendor);
            case VendorStatus.Suspended:
                return new VendorReadDecision.Refused(ReadRefusal.VendorSuspended);
        }

        if (state.Customer is { CustomerId: null, Erased: false })
        {
            return new VendorReadDecision.Refused(ReadRefusal.UnknownCustomer);
        }

        if (state.Customer.Erased || state.Profile?.ErasedAt is not null)
        {
            return new VendorReadDecision.Refused(ReadRefusal.CustomerErased);
        }

        var active = state.Grants.Where(g => g.Purpose == purpose && g.IsActiveAt(now)).ToList();
        // A paused grant stands but carries no read: she has to reconfirm it first.
        var grants = active.Where(g => !g.IsPausedAt(now)).ToList();
        if (grants.Count == 0 && active.Count > 0)
        {
            return new VendorReadDecision.Refused(ReadRefusal.GrantPaused);
        }

        if (grants.Count == 0 || state.Profile is null || state.Key is null)
        {
            return new VendorReadDecision.Refused(ReadRefusal.NoActiveGrant);
        }

        var scopes = grants.SelectMany(g => g.Scopes).Distinct().Order(StringComparer.Ordinal).ToList();
        var covered = Catalog.AttributesCoveredBy(scopes);
        var attributes = Catalog.Attributes.Select(a => a.Name).Where(a => covered.Contains(a) && state.Profile.Attributes.ContainsKey(a)).ToList();
        return new VendorReadDecision.Allowed(grants, scopes, attributes);
    }
}
