using CustomerVault.Infrastructure.EventStore;
using Marten;
using Npgsql;

namespace CustomerVault.Infrastructure.Encryption;

/// <summary>A stored document sealed by a master key, which records the key's id (stored as its <c>MasterKeyId</c> member).</summary>
public interface ISealedByMasterKey
{
    string? MasterKeyId { get; }
}

/// <param name="MasterKeyId">Null for documents sealed before key ids were recorded.</param>
public sealed record MasterKeyUsage(string? MasterKeyId, long Documents);

/// <summary>
/// Moves stored documents off older master keys: each batch is locked, re-wrapped under the current key and written
/// back in one transaction. Idempotent and resumable: a run only touches what the current key did not seal, so it can
/// be stopped and run again, and it ends when nothing is left. The locks keep it from racing the vault: an erasure
/// (which deletes a data key) or a new webhook secret waits for the batch, and one committed before it is never
/// overwritten with the old value.
/// </summary>
public static class MasterKeyRotation
{
    /// <summary>How many documents of the type each master key sealed.</summary>
    public static async Task<IReadOnlyList<MasterKeyUsage>> UsageAsync<T>(IDocumentStore store, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
        where T : ISealedByMasterKey
    {
        await using var command = dataSource.CreateCommand($"SELECT data->>'MasterKeyId', count(*) FROM {store.TableOf<T>()} GROUP BY 1 ORDER BY 1");
        var usage = new List<MasterKeyUsage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            usage.Add(new MasterKeyUsage(reader.IsDBNull(0) ? null : reader.GetString(0), reader.GetInt64(1)));
        }

        return usage;
    }

    /// <summary>Re-wraps every document of the type that <paramref name="current"/> did not seal; returns how many it re-wrapped.</summary>
    /// <param name="rewrap">The document sealed by the current key (it throws when no held key opens it).</param>
    /// <param name="progress">Called after each batch with the number re-wrapped so far.</param>
    public static async Task<long> RewrapAsync<T>(
        IDocumentStore store, MasterKey current, Func<T, T> rewrap, int batchSize, Action<long>? progress, CancellationToken cancellationToken)
        where T : class, ISealedByMasterKey
    {
        var table = store.TableOf<T>();
        long rewrapped = 0;
        var after = Guid.Empty;
        while (true)
        {
            await using var session = store.LightweightSession();
            await session.BeginTransactionAsync(cancellationToken);
            var ids = new List<Guid>(batchSize);
            await using (var select = new NpgsqlCommand(
                             $"SELECT id FROM {table} WHERE id > $1 AND data->>'MasterKeyId' IS DISTINCT FROM $2 ORDER BY id LIMIT $3 FOR UPDATE", session.Connection)
                         {
                             Parameters = { new() { Value = after }, new() { Value = current.Id }, new() { Value = batchSize } },
                         })
            await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    ids.Add(reader.GetGuid(0));
                }
            }

            if (ids.Count == 0)
            {
                return rewrapped;
            }

            foreach (var document in await session.LoadManyAsync<T>(cancellationToken, ids.ToArray()))
            {
                session.Update(rewrap(document));
            }

            await session.SaveChangesAsync(cancellationToken);
            rewrapped += ids.Count;
            after = ids[^1];
            progress?.Invoke(rewrapped);
        }
    }
}
