using System.Collections.Concurrent;
using CustomerVault.Infrastructure.Database;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Profiles;
using Marten;

namespace CustomerVault.MyData;

/// <summary>
/// Whether a customer erased her account. Erasure is final, so a yes is remembered; a no is asked of the database
/// every time, because the erasure may have happened on another node a moment ago. Every request she makes asks, so
/// the question is one value over the multiplexed read connections, not her profile document loaded in a session.
/// </summary>
public sealed class ErasedCustomers(IDocumentStore store, ReadDataSource reads)
{
    private readonly ConcurrentDictionary<Guid, byte> _erased = new();
    private readonly string _sql = $"SELECT data ->> '{nameof(Profile.ErasedAt)}' IS NOT NULL FROM {store.TableOf<Profile>()} WHERE id = $1";

    public async Task<bool> IsErasedAsync(Guid customerId, CancellationToken cancellationToken)
    {
        if (_erased.ContainsKey(customerId))
        {
            return true;
        }

        await using var command = reads.DataSource.CreateCommand(_sql);
        command.Parameters.Add(new() { Value = customerId });
        if (await command.ExecuteScalarAsync(cancellationToken) is not true)
        {
            return false;
        }

        _erased.TryAdd(customerId, 0);
        return true;
    }
}
