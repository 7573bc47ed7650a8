using System.Collections.Concurrent;

namespace VendorWeb;

/// <param name="GrantId">The grant she gave us when she connected.</param>
/// <param name="Ended">How the grant ended (revoked, relinquished, expired, suspended), once the vault told us.</param>
public sealed record Member(Guid GrantId, IReadOnlyList<string> Scopes, string? Ended, DateTimeOffset? EndedAt);

/// <summary>
/// The customers who connected, each under the vault's id for her at our site (pairwise: the only id we ever learn).
/// We keep no copy of her data: each page reads it from the vault, so it is always exactly what she grants today.
/// </summary>
public sealed class Members
{
    private readonly ConcurrentDictionary<Guid, Member> _members = new();

    public void Connected(Guid customerId, Guid grantId, IReadOnlyList<string> scopes) => _members[customerId] = new Member(grantId, scopes, null, null);

    /// <summary>The vault told us a grant ended; if it is the one she connected with, she is no longer a connected member.</summary>
    public void Ended(Guid customerId, Guid grantId, string how, DateTimeOffset at)
    {
        if (_members.TryGetValue(customerId, out var member) && member.GrantId == grantId)
        {
            _members.TryUpdate(customerId, member with { Ended = how, EndedAt = at }, member);
        }
    }

    public Member? Get(Guid customerId) => _members.GetValueOrDefault(customerId);
}
