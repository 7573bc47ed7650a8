using System.Text.Json;
using CustomerVault.Infrastructure.EventStore;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CustomerVault.Audit;

/// <summary>An event as stored, with the metadata audits show.</summary>
/// <param name="Hash">Its link in its stream's hash chain, as recorded.</param>
public sealed record StoredEvent(
    long Sequence, Guid StreamId, long Version, string Type, DateTimeOffset Timestamp, string? Actor, string? CorrelationId, object Data, string? Hash);

/// <summary>
/// Reads events of many streams in one query, straight from the event table. Audits read hundreds of streams at a
/// time (one customer's whole history); one plain query with ANY() is several times faster than the LINQ route.
/// </summary>
public sealed class StoredEvents
{
    private readonly Weasel.Storage.IStorageSerializer _serializer;
    private readonly Dictionary<string, Type> _types;

    public StoredEvents(IDocumentStore store)
    {
        _serializer = store.Options.Serializer();
        _types = store.Options.Events.AllKnownEventTypes().ToDictionary(e => e.EventTypeName, e => e.EventType);
        Replay = Replay.Of(store.Options);
    }

    /// <summary>How the streams of these events fold into their states.</summary>
    public Replay Replay { get; }

    public Type TypeOf(string eventTypeName) =>
        _types.TryGetValue(eventTypeName, out var type) ? type : throw new InvalidOperationException($"Unknown event type '{eventTypeName}'.");

    public object Deserialize(string eventTypeName, NpgsqlDataReader reader, int column) => _serializer.FromJson(TypeOf(eventTypeName), reader, column);

    /// <summary>An event's data as JSON from elsewhere (the auditors' feed), read as the store reads it.</summary>
    public object Deserialize(string eventTypeName, JsonElement data)
    {
        using var json = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(data));
        return _serializer.FromJson(TypeOf(eventTypeName), json);
    }

    /// <summary>The events of these streams, in global order, up to an instant when one is given.</summary>
    public async Task<IReadOnlyList<StoredEvent>> ReadAsync(NpgsqlConnection connection, Guid[] streams, DateTimeOffset? upTo, CancellationToken cancellationToken)
    {
        if (streams.Length == 0)
        {
            return [];
        }

        await using var command = new NpgsqlCommand(
            $"""
             SELECT e.seq_id, e.stream_id, e.version, e.type, e.timestamp, e.user_name, e.correlation_id, e.data, c.hash
             FROM {EventStoreSetup.Schema}.mt_events e LEFT JOIN {EventChain.Table} c ON c.seq_id = e.seq_id
             WHERE e.stream_id = ANY($1) AND ($2::timestamptz IS NULL OR e.timestamp <= $2)
             ORDER BY e.seq_id
             """, connection)
        {
            Parameters =
            {
                new() { Value = streams },
                new() { Value = (object?)upTo ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
            },
        };
        var events = new List<StoredEvent>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var type = reader.GetString(3);
            events.Add(new StoredEvent(reader.GetInt64(0), reader.GetGuid(1), reader.GetInt64(2), type, reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetString(6), Deserialize(type, reader, 7),
                reader.IsDBNull(8) ? null : reader.GetString(8)));
        }

        return events;
    }
}
