using System.Runtime.CompilerServices;
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

/// <summary>A stored event as its hash chain covers it, with the hashes recorded for it (null when none was).</summary>
/// <param name="Data">The event's data in its stored form: PostgreSQL's text of the jsonb (see <see cref="JsonbText"/>).</param>
/// <param name="Position">Its feed position (null when no chain record holds one).</param>
public sealed record ChainLink(
    long Sequence, Guid StreamId, long Version, string Type, DateTimeOffset At, string? Actor, string Data, string? Hash, string? PreviousHash,
    long? Position)
{
    /// <summary>Whether a checkpoint covering this extent covers the event (the rule <see cref="ChainVerifier.LinksAsync"/> reads by).</summary>
    public bool Within(ChainExtent extent) =>
        extent.Position is { } position && Position is { } own ? own <= position : Sequence <= extent.Sequence;
}

/// <summary>
/// The chain arithmetic, in one place for every reader: fed the stored events (each stream's in version order, the
/// streams in any order or interleaved), it recomputes every stream's chain and keeps the first link that does not hold.
/// The vault feeds it from its database; the CLI from the database or from the auditors' feed over HTTP.
/// </summary>
public sealed class ChainCheck
{
    private readonly Dictionary<Guid, StreamHead> _heads = [];
    private BrokenLink? _firstBroken;

    public long Events { get; private set; }

    /// <summary>Checks one more event of a stream; returns the stream's head with it, as recomputed.</summary>
    public StreamHead Add(ChainLink link)
    {
        var previous = _heads.GetValueOrDefault(link.StreamId);
        var previousHash = previous?.Hash ?? "";
        var expectedVersion = (previous?.Version ?? 0) + 1;
        var recomputed = EventChain.Hash(previousHash, link.StreamId, link.Version, link.Type, link.At, link.Actor, link.Data);
        var problem = link.Version != expectedVersion ? $"version {expectedVersion} is missing"
            : link.Hash is null ? "no hash was recorded for this event"
            : link.PreviousHash != previousHash ? "the recorded link to the previous event was changed"
            : link.Hash != recomputed ? "the event was changed after it was stored"
            : null;
        if (problem is not null && _firstBroken is null)
        {
            _firstBroken = new BrokenLink(link.StreamId, link.Version, link.Sequence, problem);
        }

        Events++;
        return _heads[link.StreamId] = new StreamHead(link.Version, recomputed);
    }

    public ChainReport Report() => new(_firstBroken is null, _heads.Count, Events, _firstBroken, _heads);
}

/// <summary>Recomputes the hash chains from the events as they are stored now, and compares them with what was recorded.</summary>
public static class ChainVerifier
{
    /// <param name="streams">Only these streams; all when null.</param>
    /// <param name="upTo">Only the events a checkpoint covers; all when null.</param>
    /// <param name="progress">Called every 10,000 events with the number checked so far.</param>
    public static async Task<ChainReport> VerifyAsync(
        NpgsqlConnection connection, Guid[]? streams, ChainExtent? upTo, CancellationToken cancellationToken, Action<long>? progress = null)
    {
        var check = new ChainCheck();
        await foreach (var link in LinksAsync(connection, streams, upTo, cancellationToken))
        {
            check.Add(link);
            if (check.Events % 10_000 == 0)
            {
                progress?.Invoke(check.Events);
            }
        }

        progress?.Invoke(check.Events);
        return check.Report();
    }

    /// <summary>The stored events with their recorded hashes, stream by stream in version order.</summary>
    public static async IAsyncEnumerable<ChainLink> LinksAsync(
        NpgsqlConnection connection, Guid[]? streams, ChainExtent? upTo, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
             SELECT e.seq_id, e.stream_id, e.version, e.type, e.timestamp, e.user_name, e.data::text, c.hash, c.previous_hash, {FeedPositions.Of("c")}
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

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new ChainLink(reader.GetInt64(0), reader.GetGuid(1), reader.GetInt64(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.IsDBNull(8) ? null : reader.GetString(8), reader.IsDBNull(9) ? null : reader.GetInt64(9));
        }
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
