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

public sealed record RebuildResult(long Events, int Streams, int Profiles, int Vendors, int Requests, int Grants, TimeSpan Elapsed)
{
    public double EventsPerSecond => Elapsed.TotalSeconds > 0 ? Events / Elapsed.TotalSeconds : Events;
}

/// <summary>
/// Rebuilds every projection from the events alone: reads each stream in order, folds it with the same functions the
/// event store projects with, and overwrites the documents. Documents are replaced, not deleted first, so a running
/// vault keeps serving while it runs.
/// </summary>
public static class ProjectionRebuild
{
    private const int FlushEvery = 5_000;

    public static async Task<RebuildResult> RunAsync(VaultConnection vault, Action<long, long>? progress, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var stored = new StoredEvents(vault.Store);

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
        var streams = 0;
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
                    progress?.Invoke(read, total);
                }
            }
        }

        await EmitAsync(state);
        await FlushAsync();
        await writing;
        progress?.Invoke(read, total);
        return new RebuildResult(read, streams, counts.GetValueOrDefault(typeof(Profile)), counts.GetValueOrDefault(typeof(Vendor)),
            counts.GetValueOrDefault(typeof(AccessRequest)), counts.GetValueOrDefault(typeof(Grant)), stopwatch.Elapsed);

        async Task EmitAsync(object? document)
        {
            if (document is null)
            {
                return;
            }

            streams++;
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
