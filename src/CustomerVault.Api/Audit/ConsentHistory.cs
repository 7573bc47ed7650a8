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
    public static async Task<Guid[]?> CustomerStreamsAsync(IQuerySession session, Guid customerId, CancellationToken cancellationToken)
    {
        var streams = await StreamsAsync(session, "customer_id", customerId, cancellationToken);
        var registered = await session.Events.FetchStreamStateAsync(customerId, cancellationToken) is not null;
        return !registered && streams.Count == 0 ? null : [customerId, .. streams];
    }

    public static async Task<Guid[]?> VendorStreamsAsync(IQuerySession session, Guid vendorId, CancellationToken cancellationToken) =>
        await session.Events.FetchStreamStateAsync(vendorId, cancellationToken) is null
            ? null
            : [.. await StreamsAsync(session, "vendor_id", vendorId, cancellationToken)];

    private static async Task<List<Guid>> StreamsAsync(IQuerySession session, string column, Guid id, CancellationToken cancellationToken)
    {
        var store = session.DocumentStore;
        await using var command = new NpgsqlCommand(
            $"SELECT id FROM {store.TableOf<AccessRequest>()} WHERE {column} = $1 UNION ALL SELECT id FROM {store.TableOf<Grant>()} WHERE {column} = $1", session.Connection)
        {
            Parameters = { new() { Value = id } },
        };
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    /// <summary>Every event of these streams, in the order they happened, with the consent state before and after each.</summary>
    public static async Task<IReadOnlyList<HistoryEntry>> HistoryAsync(
        StoredEvents stored, NpgsqlConnection connection, Guid[] streams, CancellationToken cancellationToken)
    {
        var events = await stored.ReadAsync(connection, streams, null, cancellationToken);
        var hashes = await HashesAsync(connection, streams, cancellationToken);
        var states = new Dictionary<Guid, object?>();
        var entries = new List<HistoryEntry>(events.Count);
        foreach (var e in events)
        {
            var before = states.GetValueOrDefault(e.StreamId);
            var after = stored.Replay.Evolve(before, e.Data);
            states[e.StreamId] = after;
            var attributes = e.Data switch
            {
                ProfileAttributeSet set => [set.Attribute],
                ProfileAttributeCleared cleared => [cleared.Attribute],
                _ => (IReadOnlyList<string>?)null,
            };
            entries.Add(new HistoryEntry(
                e.Sequence, stored.Replay.KindOf(after), e.StreamId, e.Version, e.Type, e.Timestamp, e.Actor, e.CorrelationId, attributes,
                Replay.Summarize(before), Replay.Summarize(after), hashes.GetValueOrDefault(e.Sequence)));
        }

        return entries;
    }

    /// <summary>The requests and grants among these streams as they stood at <paramref name="asOf"/>, by the events up to it.</summary>
    public static async Task<AsOfView> AsOfAsync(StoredEvents stored, NpgsqlConnection connection, Guid[] streams, DateTimeOffset asOf, CancellationToken cancellationToken)
    {
        var events = await stored.ReadAsync(connection, streams, asOf, cancellationToken);
        var states = events.GroupBy(e => e.StreamId).Select(g => stored.Replay.Fold(g.OrderBy(e => e.Version).Select(e => (e.Version, e.Data)))).ToList();
        var requests = states.OfType<AccessRequest>().OrderByDescending(r => r.RequestedAt).ToList();
        var grants = states.OfType<Grant>().OrderByDescending(g => g.GrantedAt).ToList();

        var vendorIds = requests.Select(r => r.VendorId).Concat(grants.Select(g => g.VendorId)).Distinct().ToArray();
        var vendorEvents = await stored.ReadAsync(connection, vendorIds, asOf, cancellationToken);
        var vendors = vendorEvents.GroupBy(e => e.StreamId)
            .Select(g => stored.Replay.Fold(g.OrderBy(e => e.Version).Select(e => (e.Version, e.Data))))
            .OfType<Vendor>()
            .ToDictionary(v => v.Id);
        return new AsOfView(asOf,
            requests.Select(r => AccessRequestView.Of(r, vendors.GetValueOrDefault(r.VendorId), asOf)).ToList(),
            grants.Select(g => GrantView.Of(g, vendors.GetValueOrDefault(g.VendorId), asOf)).ToList());
    }

    private static async Task<Dictionary<long, string>> HashesAsync(NpgsqlConnection connection, Guid[] streams, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT seq_id, hash FROM {EventChain.Table} WHERE stream_id = ANY($1)", connection)
        {
            Parameters = { new() { Value = streams } },
        };
        var hashes = new Dictionary<long, string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            hashes[reader.GetInt64(0)] = reader.GetString(1);
        }

        return hashes;
    }
}
