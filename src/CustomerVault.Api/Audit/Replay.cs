using CustomerVault.Consents;
using CustomerVault.Infrastructure.EventStore;
using Marten;

namespace CustomerVault.Audit;

/// <summary>
/// How every stream's state follows from its events, for audits and rebuilds: the streams are the ones the event store
/// projects (each feature's <see cref="StoreParts.AddEventStream{T}"/>), folded with their own Create and Apply, so an
/// audit can rebuild any state at any moment, and a replay every projection.
/// </summary>
public sealed class Replay
{
    private readonly Dictionary<Type, EventStream> _byState;
    private readonly Dictionary<Type, EventStream> _byFirstEvent;

    private Replay(IReadOnlyList<EventStream> streams)
    {
        _byState = streams.ToDictionary(s => s.StateType);
        _byFirstEvent = streams.SelectMany(s => s.EventTypes.Where(s.Starts).Select(e => (Event: e, Stream: s))).ToDictionary(x => x.Event, x => x.Stream);
    }

    /// <summary>The streams of a store: every document it builds from its events.</summary>
    public static Replay Of(IReadOnlyStoreOptions options)
    {
        var events = options.Events.AllKnownEventTypes().Select(e => e.EventType).ToHashSet();
        return new Replay(options.AllKnownDocumentTypes()
            .Select(d => EventStream.Of(d.DocumentType))
            .OfType<EventStream>()
            .Where(s => s.EventTypes.Any(events.Contains))
            .ToList());
    }

    public object Evolve(object? state, object @event) => StreamOf(state, @event).Evolve(state, @event);

    /// <summary>One event further, with the stream version it was stored at.</summary>
    public object Step(object? state, long version, object @event) => StreamOf(state, @event).Step(state, version, @event);

    /// <summary>Folds a stream's events in order, stamping the version the way the event store does.</summary>
    public object? Fold(IEnumerable<(long Version, object Data)> events) =>
        events.Aggregate((object?)null, (state, e) => Step(state, e.Version, e.Data));

    /// <summary>The kind of stream a state belongs to (profile, vendor, access-request, grant), or unknown.</summary>
    public string KindOf(object? state) => state is not null && _byState.TryGetValue(state.GetType(), out var stream) ? stream.Kind : "unknown";

    /// <summary>What an auditor needs of a consent's state: never profile values.</summary>
    public static ConsentState? Summarize(object? state) => state switch
    {
        AccessRequest r => new ConsentState("access-request", AccessRequestDecider.StatusName(r.Status), r.ApprovedScopes ?? r.Scopes, r.Purpose, r.VendorId, r.AnswerBy),
        Grant g => new ConsentState("grant", GrantDecider.StatusName(g.Status), g.Scopes, g.Purpose, g.VendorId, g.ExpiresAt),
        _ => null,
    };

    private EventStream StreamOf(object? state, object @event) =>
        (state is null ? _byFirstEvent.GetValueOrDefault(@event.GetType()) : _byState.GetValueOrDefault(state.GetType()))
        ?? throw new InvalidOperationException($"{@event.GetType().Name} cannot follow {state?.GetType().Name ?? "nothing"}.");
}

/// <param name="Kind">access-request or grant.</param>
/// <param name="Scopes">For a request: the scopes asked for, or approved once it is approved.</param>
/// <param name="Until">For a request: when it expires unanswered; for a grant: when it ends.</param>
public sealed record ConsentState(string Kind, string Status, IReadOnlyList<string> Scopes, string Purpose, Guid VendorId, DateTimeOffset Until);
