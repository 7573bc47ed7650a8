using System.Security.Cryptography;
using System.Text;
using CustomerVault.Infrastructure.EventStore;
using Npgsql;
using NpgsqlTypes;

namespace CustomerVault.Audit;

/// <param name="Problem">What is wrong: the event changed, a version is missing, a hash was never recorded, or a link was rewritten.</param>
public sealed record BrokenLink(Guid StreamId, long Version, long Sequence, string Problem);

/// <param name="Heads">Each stream's last version and its hash as recomputed from the stored events.</param>
public sealed record ChainReport(bool Intact, long Streams, long Events, BrokenLink? FirstBroken, IReadOnlyDictionary<Guid, StreamHead> Heads);

public sealed record StreamHead(long Version, string Hash);

/// <summary>
/// The events a checkpoint covers: those up to its feed position, or, for a checkpoint made before positions (and
/// for an event whose chain record is missing), those up to its sequence.
/// </summary>
public readonly record struct ChainExtent(long Sequence, long? Position);

/// <summary>Recomputes the hash chains from the events as they are stored now, and compares them with what was recorded.</summary>
public static class ChainVerifier
{
    /// <param name="streams">Only these streams; all when null.</param>
    /// <param name="upTo">Only the events a checkpoint covers; all when null.</param>
    /// <param name="progress">Called every 10,000 events with the number checked so far.</param>
    public static async Task<ChainReport> VerifyAsync(
        NpgsqlConnection connection, Guid[]? streams, ChainExtent? upTo, CancellationToken cancellationToken, Action<long>? progress = null)
    {
        await using var command = new NpgsqlCommand(
            $"""
             SELECT e.seq_id, e.stream_id, e.version, e.type, e.timestamp, e.user_name, e.data::text, c.hash, c.previous_hash
             FROM {EventStoreSetup.Schema}.mt_events e LEFT JOIN {EventChain.Table} c ON c.seq_id = e.seq_id
             WHERE ($1::uuid[] IS NULL OR e.stream_id = ANY($1))
               AND ($2::bigint IS NULL OR CASE WHEN $3::bigint IS NULL OR c.seq_id IS NULL THEN e.seq_id <= $2 ELSE {FeedPositions.Of("c")} <= $3 END)
             ORDER BY e.stream_id, e.version
             """, connection)
        {
            Parameters =
            {
                new() { Value = (object?)streams ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = (object?)upTo?.Sequence ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint },
                new() { Value = (object?)upTo?.Position ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint },
            },
        };

        var heads = new Dictionary<Guid, StreamHead>();
        BrokenLink? firstBroken = null;
        long events = 0;
        Guid currentStream = Guid.Empty;
        var previous = "";
        long expectedVersion = 1;

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var sequence = reader.GetInt64(0);
            var streamId = reader.GetGuid(1);
            var version = reader.GetInt64(2);
            if (streamId != currentStream)
            {
                currentStream = streamId;
                previous = "";
                expectedVersion = 1;
            }

            var recomputed = EventChain.Hash(previous, streamId, version, reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6));
            var problem = version != expectedVersion ? $"version {expectedVersion} is missing"
                : reader.IsDBNull(7) ? "no hash was recorded for this event"
                : reader.GetString(8) != previous ? "the recorded link to the previous event was changed"
                : reader.GetString(7) != recomputed ? "the event was changed after it was stored"
                : null;
            if (problem is not null && firstBroken is null)
            {
                firstBroken = new BrokenLink(streamId, version, sequence, problem);
            }

            previous = recomputed;
            expectedVersion = version + 1;
            heads[streamId] = new StreamHead(version, recomputed);
            if (++events % 10_000 == 0)
            {
                progress?.Invoke(events);
            }
        }

        progress?.Invoke(events);
        return new ChainReport(firstBroken is null, heads.Count, events, firstBroken, heads);
    }

    /// <summary>The root a checkpoint signs: SHA-256 over every stream's head, in stream order.</summary>
    public static string Root(IReadOnlyDictionary<Guid, StreamHead> heads)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (stream, head) in heads.OrderBy(h => h.Key.ToString("D"), StringComparer.Ordinal))
        {
            sha.AppendData(Encoding.UTF8.GetBytes($"{stream:D}:{head.Version}:{head.Hash}\n"));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
