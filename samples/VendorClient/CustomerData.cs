using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace VendorClient;

/// <summary>
/// What we hold about customers, and the rule that keeps us honest: the copy of a profile lives only as long as the
/// grant it was read under. When the vault says the grant ended (or was narrowed, or our account was suspended),
/// the copy goes; a narrowed or reactivated grant is read again rather than patched locally.
/// </summary>
public sealed class CustomerData
{
    private readonly ConcurrentDictionary<Guid, Held> _held = new();

    public static readonly IReadOnlySet<string> GrantGone = new HashSet<string> { "grant.revoked", "grant.relinquished", "grant.expired", "grant.suspended" };

    public void Keep(Guid customerId, Guid grantId, JsonObject profile) => _held[customerId] = new Held(grantId, profile);

    public void Forget(Guid customerId) => _held.TryRemove(customerId, out _);

    public JsonObject? Get(Guid customerId) => _held.TryGetValue(customerId, out var held) ? held.Profile : null;

    /// <summary>Applies a notification; returns whether it erased what we held about the customer.</summary>
    public bool Apply(VaultNotification notification)
    {
        if (notification.Kind is not ("grant.narrowed" or "grant.reactivated") && !GrantGone.Contains(notification.Kind))
        {
            return false;
        }

        return _held.TryGetValue(notification.CustomerId, out var held) && held.GrantId == notification.GrantId
            && _held.TryRemove(new KeyValuePair<Guid, Held>(notification.CustomerId, held));
    }

    private sealed record Held(Guid GrantId, JsonObject Profile);
}
