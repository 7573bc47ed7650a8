using System.Collections.Concurrent;

namespace VendorWeb;

/// <param name="GrantId">The grant she gave us when she connected.</param>
/// <param name="Ended">How the grant ended (revoked, relinquished, expired, suspended), once the vault told us.</param>
/// <param name="DeletedAt">When we erased what we held of her (all of it but this line, which says that we did).</param>
public sealed record Member(Guid GrantId, IReadOnlyList<string> Scopes, string? Ended, DateTimeOffset? EndedAt, DateTimeOffset? DeletedAt = null);

/// <summary>
/// The customers who connected, each under the vault's id for her at our site (pairwise: the only id we ever learn).
/// We keep no copy of her data: each page reads it from the vault, so it is always exactly what she grants today.
/// </summary>
public sealed class Members
{
    private readonly ConcurrentDictionary<Guid, Member> _members = new();

    public void Connected(Guid customerId, Guid grantId, IReadOnlyList<string> scopes) => _members[customerId] = new Member(grantId, scopes, null, null);

    /// <summary>
    /// The vault told us a grant ended; if it is the one she connected with, she is no longer a connected member, and we
    /// erase what we kept of her: the scopes she had granted (with nothing of her profile ever kept, that is all). Returns
    /// the scopes erased, for our confirmation to the vault; none when the grant was not hers or was already handled.
    /// </summary>
    /// <param name="erase">False while the grant only pauses (our account suspended): access ends here, the record stays.</param>
    public IReadOnlyList<string> Ended(Guid customerId, Guid grantId, string how, DateTimeOffset at, bool erase = true)
    {
        if (_members.TryGetValue(customerId, out var member) && member.GrantId == grantId && member.DeletedAt is null
            && _members.TryUpdate(customerId, erase ? member with { Scopes = [], Ended = how, EndedAt = at, DeletedAt = at } : member with { Ended = how, EndedAt = at }, member))
        {
            return member.Scopes;
        }

        return [];
    }

    public Member? Get(Guid customerId) => _members.GetValueOrDefault(customerId);
}
