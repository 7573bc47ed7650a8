using CustomerVault.Consents;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Profiles;
using CustomerVault.Vendors;
using Marten;
using Npgsql;

namespace CustomerVault.Audit;

/// <param name="Stream">profile, access-request or grant.</param>
/// <param name="Actor">Who caused it: customer:{id}, vendor:{client}, operator:{client}, system:{task}.</param>
/// <param name="Attributes">For a profile change: which attributes changed. Never their values.</param>
/// <param name="Before">For a consent event: the consent's state before the event (absent for the first).</param>
/// <param name="After">For a consent event: its state after.</param>
/// <param name="Hash">The event's link in its stream's hash chain.</param>
public sealed record HistoryEntry(
    long Sequence, string Stream, Guid StreamId, long Version, string Type, DateTimeOffset At, string? Actor, string? CorrelationId,
    IReadOnlyList<string>? Attributes, ConsentState? Before, ConsentState? After, string? Hash);

/// <summary>The requests and grants of a customer or a vendor as they stood at one instant, rebuilt from the events up to it.</summary>
public sealed record AsOfView(DateTimeOffset AsOf, IReadOnlyList<AccessRequestView> Requests, IReadOnlyList<GrantView> Grants);

/// <summary>Reads the consent history straight from the events.</summary>
public static class ConsentHistory
{
    /// <summary>The streams that concern a customer, or null when the vault has never heard of her.</summary>
    public static async Task<Guid[]?> CustomerStreamsAsync(IQuerySession session, Guid customerId, CancellationToken cancellationToken) =>
        await ConsentsOfAsync(session, customerId, cancellationToken) is { } consents ? [customerId, .. consents.Select(c => c.Id)] : null;

    /// <summary>
    /// A customer's streams and those of the vendors her requests and grants name: every event her history and any
    /// as-of view of it are made of, what an auditor reads to rebuild them. Null when the vault has never heard of her.
    /// </summary>
    public static async Task<Guid[]?> CustomerRecordStreamsAsync(IQuerySession session, Guid customerId, CancellationToken cancellationToken) =>
        await ConsentsOfAsync(session, customerId, cancellationToken) is { } consents
            ? [customerId, .. consents.Select(c => c.Id), .. consents.Select(c => c.VendorId).Distinct()]
            : null;

    private static async Task<List<(Guid Id, Guid VendorId)>?> ConsentsOfAsync(IQuerySession session, Guid customerId, CancellationToken cancellationToken)
    {
        var consents = await StreamsAsync(session, "customer_id", customerId, cancellationToken);
        var registered = await session.Events.FetchStreamStateAsync(customerId, cancellationToken) is not null;
        return !registered && consents.Count == 0 ? null : consents;
    }

    private static async Task<List<(Guid Id, Guid VendorId)>> StreamsAsync(IQuerySession session, string column, Guid id, CancellationToken cancellationToken)
    {
        var store = session.DocumentStore;
        await using var command = new NpgsqlCommand(
            $"""
             SELECT id, vendor_id FROM {store.TableOf<AccessRequest>()} WHERE {column} = $1
             UNION ALL SELECT id, vendor_id FROM {store.TableOf<Grant>()} WHERE {column} = $1
             """, session.Connection)
        {
            Parameters = { new() { Value = id } },
        };
        var ids = new List<(Guid, Guid)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add((reader.GetGuid(0), reader.GetGuid(1)));
        }

        return ids;
    }

    /// <summary>Every event of these streams, in the order they happened, with the consent state before and after each.</summary>
    public static async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(
        StoredEvents stored, NpgsqlConnection connection, Guid[] streams, CancellationToken cancellationToken) =>
        History(stored.Replay, await stored.ReadAsync(connection, streams, null, cancellationToken));

    /// <summary>
    /// The history these events tell (in global order), with the consent state before and after each; a vendor's own
    /// events, read only to name the vendor in an as-of view, are not part of it.
    /// </summary>
    public static IReadOnlyList<HistoryEntry> History(Replay replay, IEnumerable<StoredEvent> events)
    {
        var states = new Dictionary<Guid, object?>();
        var entries = new List<HistoryEntry>();
        foreach (var e in events)
        {
            var before = states.GetValueOrDefault(e.StreamId);
            var after = replay.Evolve(before, e.Data);
            states[e.StreamId] = after;
            if (after is Vendor)
            {
                continue;
            }

            var attributes = e.Data switch
            {
                ProfileAttributeSet set => [set.Attribute],
                ProfileAttributeCleared cleared => [cleared.Attribute],
                _ => (IReadOnlyList<string>?)null,
            };
            entries.Add(new HistoryEntry(
                e.Sequence, replay.KindOf(after), e.StreamId, e.Version, e.Type, e.Timestamp, e.Actor, e.CorrelationId, attributes,
                Replay.Summarize(before), Replay.Summarize(after), e.Hash));
        }

        return entries;
    }

    /// <summary>
    /// A customer's (<paramref name="column"/> customer_id) or a vendor's (vendor_id) requests and grants as they stood at
    /// <paramref name="asOf"/>, in one round trip: whether the vault knows the party, and the events up to the instant of
    /// its consents' streams and of the vendors they name (for the vendors' names then), nothing else (not the customer's
    /// profile stream, not the chain links or metadata an as-of view does not show). Null when the vault has never heard
    /// of the party: a customer is known by her stream or by a consent naming her, a vendor by its stream.
    /// </summary>
    public static async Task<AsOfView?> AsOfAsync(
        IQuerySession session, StoredEvents stored, string column, Guid id, DateTimeOffset asOf, TimeSpan deletionPeriod,
        CancellationToken cancellationToken)
    {
        var store = session.DocumentStore;
        var consents = $"SELECT id, vendor_id FROM {store.TableOf<AccessRequest>()} WHERE {column} = $1 "
                       + $"UNION ALL SELECT id, vendor_id FROM {store.TableOf<Grant>()} WHERE {column} = $1";
        var known = $"EXISTS (SELECT 1 FROM {EventStoreSetup.Schema}.mt_streams WHERE id = $1)"
                    + (column == "customer_id" ? $" OR EXISTS ({consents})" : "");
        await using var batch = new NpgsqlBatch(session.Connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"SELECT {known}") { Parameters = { new() { Value = id } } },
                new NpgsqlBatchCommand(
                    $"""
                     WITH consents AS ({consents})
                     SELECT e.stream_id, e.version, e.type, e.data FROM {EventStoreSetup.Schema}.mt_events e
                     WHERE e.stream_id IN (SELECT id FROM consents UNION SELECT vendor_id FROM consents) AND e.timestamp <= $2
                     ORDER BY e.seq_id
                     """)
                {
                    Parameters = { new() { Value = id }, new() { Value = asOf } },
                },
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken) || !reader.GetBoolean(0))
        {
            return null;
        }

        await reader.NextResultAsync(cancellationToken);
        var streams = new Dictionary<Guid, List<(long Version, object Data)>>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var stream = reader.GetGuid(0);
            if (!streams.TryGetValue(stream, out var events))
            {
                streams[stream] = events = [];
            }

            events.Add((reader.GetInt64(1), stored.Deserialize(reader.GetString(2), reader, 3)));
        }

        return AsOf([.. streams.Values.Select(events => stored.Replay.Fold(events)).OfType<object>()], asOf, deletionPeriod);
    }

    /// <summary>The requests and grants among these events' streams as they stood at <paramref name="asOf"/>, named with their vendors then.</summary>
    public static AsOfView AsOf(Replay replay, IEnumerable<StoredEvent> events, DateTimeOffset asOf, TimeSpan deletionPeriod) =>
        AsOf(Fold(replay, events.Where(e => e.Timestamp <= asOf)), asOf, deletionPeriod);

    private static AsOfView AsOf(IReadOnlyList<object> states, DateTimeOffset asOf, TimeSpan deletionPeriod)
    {
        var vendors = states.OfType<Vendor>().ToDictionary(v => v.Id);
        return new AsOfView(asOf,
            states.OfType<AccessRequest>().OrderByDescending(r => r.RequestedAt).Select(r => AccessRequestView.Of(r, vendors.GetValueOrDefault(r.VendorId), r.CustomerId, asOf)).ToList(),
            states.OfType<Grant>().OrderByDescending(g => g.GrantedAt).Select(g => GrantView.Of(g, vendors.GetValueOrDefault(g.VendorId), g.CustomerId, asOf, deletionPeriod)).ToList());
    }

    /// <summary>Each stream's state after its events (given in global order).</summary>
    private static List<object> Fold(Replay replay, IEnumerable<StoredEvent> events) =>
        [.. events.GroupBy(e => e.StreamId).Select(g => replay.Fold(g.OrderBy(e => e.Version).Select(e => (e.Version, e.Data)))).OfType<object>()];
}
