using System.Diagnostics;
using CustomerVault.Audit;
using CustomerVault.Consents;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Profiles;
using CustomerVault.Vendors;
using Marten;
using Npgsql;
using Weasel.Core;

namespace CustomerVault.Cli;

/// <summary>
/// Rebuilds every projection from the events alone: reads each stream in order, folds it with the same functions the
/// event store projects with, and overwrites the documents. Documents are replaced, not deleted first, so a running
/// vault keeps serving while it runs.
/// </summary>
public static class ProjectionRebuild
{
    private const int FlushEvery = 5_000;

    public static async Task<ReplayResult> RunAsync(VaultConnection vault, StoredEvents stored, Action<long, long?> progress, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();

        await using var connection = await vault.DataSource.OpenConnectionAsync(cancellationToken);
        long total;
        await using (var count = new NpgsqlCommand($"SELECT count(*) FROM {EventStoreSetup.Schema}.mt_events", connection))
        {
            total = (long)(await count.ExecuteScalarAsync(cancellationToken))!;
        }

        var pending = new List<object>(FlushEvery);
        var writing = Task.CompletedTask;
        var counts = new Dictionary<Type, int>();
        long read = 0;
        Guid current = Guid.Empty;
        object? state = null;

        await using (var command = new NpgsqlCommand(
                         $"SELECT stream_id, version, type, data FROM {EventStoreSetup.Schema}.mt_events ORDER BY stream_id, version", connection))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var streamId = reader.GetGuid(0);
                if (streamId != current)
                {
                    await EmitAsync(state);
                    current = streamId;
                    state = null;
                }

                var data = stored.Deserialize(reader.GetString(2), reader, 3);
                // One event at a time: memory stays flat however long a stream is.
                state = stored.Replay.Step(state, reader.GetInt64(1), data);

                read++;
                if (read % 10_000 == 0)
                {
                    progress(read, total);
                }
            }
        }

        await EmitAsync(state);
        await FlushAsync();
        await writing;
        progress(read, total);
        return ReplayCount.Result("database", written: true, read, counts, stopwatch.Elapsed);

        async Task EmitAsync(object? document)
        {
            if (document is null)
            {
                return;
            }

            counts[document.GetType()] = counts.GetValueOrDefault(document.GetType()) + 1;
            pending.Add(document);
            if (pending.Count >= FlushEvery)
            {
                await FlushAsync();
            }
        }

        // Writes a batch while the next one is read: the database copies while this process deserialises.
        async Task FlushAsync()
        {
            await writing;
            if (pending.Count > 0)
            {
                var batch = pending.ToList();
                pending.Clear();
                writing = vault.Store.BulkInsertDocumentsAsync(batch, BulkInsertMode.OverwriteExisting, FlushEvery, cancellationToken);
            }
        }
    }
}

/// <summary>What a replay reports, however it ran: events, streams, and the documents of each kind they fold into.</summary>
public static class ReplayCount
{
    public static ReplayResult Result(string source, bool written, long events, IReadOnlyDictionary<Type, int> documents, TimeSpan elapsed) =>
        new(source, written, events, documents.Values.Sum(),
            new ReplayDocuments(documents.GetValueOrDefault(typeof(Profile)), documents.GetValueOrDefault(typeof(Vendor)),
                documents.GetValueOrDefault(typeof(AccessRequest)), documents.GetValueOrDefault(typeof(Grant))),
            Math.Round(elapsed.TotalSeconds, 3), Math.Round(elapsed.TotalSeconds > 0 ? events / elapsed.TotalSeconds : events));
}
