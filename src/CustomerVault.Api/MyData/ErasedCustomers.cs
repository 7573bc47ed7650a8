using System.Collections.Concurrent;
using CustomerVault.Profiles;
using Marten;

namespace CustomerVault.MyData;

/// <summary>
/// Whether a customer erased her account. Erasure is final, so a yes is remembered; a no is asked of the database
/// every time, because the erasure may have happened on another node a moment ago.
/// </summary>
public sealed class ErasedCustomers(IDocumentStore store)
{
    private readonly ConcurrentDictionary<Guid, byte> _erased = new();

    public async Task<bool> IsErasedAsync(Guid customerId, CancellationToken cancellationToken)
    {
        if (_erased.ContainsKey(customerId))
        {
            return true;
        }

        await using var session = store.QuerySession();
        if ((await session.LoadAsync<Profile>(customerId, cancellationToken))?.ErasedAt is null)
        {
            return false;
        }

        _erased.TryAdd(customerId, 0);
        return true;
    }
}
