using JasperFx.Events;
using Marten;

namespace CustomerVault.Infrastructure.EventStore;

public static class Streams
{
    /// <summary>Fetches a stream for writing; saving fails with a concurrency error when it is no longer at <paramref name="expectedVersion"/>.</summary>
    public static Task<IEventStream<T>> FetchForWritingAsync<T>(this IDocumentSession session, Guid id, long? expectedVersion, CancellationToken cancellationToken)
        where T : class =>
        expectedVersion is { } version
            ? session.Events.FetchForWriting<T>(id, version, cancellationToken)
            : session.Events.FetchForWriting<T>(id, cancellationToken);

    /// <summary>
    /// The handler of a command on one stream: fetched, decided, appended, saved, and returned as the store now holds it
    /// (evolved by the event, not read back). Null when there is no such stream, or <paramref name="admits"/> refuses the
    /// caller its state (another party's stream answers like a missing one). A stream no longer at <paramref name="expectedVersion"/> fails with a concurrency error, and so
    /// does a save when another writer appended since the fetch.
    /// </summary>
    /// <remarks>
    /// The caller is admitted before the version is compared: otherwise 412 against 404 would tell anyone holding an
    /// id whether another customer's grant exists, and how often it changed.
    /// </remarks>
    public static Task<T?> DecideAsync<T>(
        this IDocumentSession session, Guid id, long? expectedVersion, Func<T, bool> admits, Func<T, object> decide, CancellationToken cancellationToken)
        where T : class =>
        session.DecideAsync<T>(id, expectedVersion, admits, state => Task.FromResult(decide(state)), cancellationToken);

    /// <summary>As the other overload, for a decision that first reads what else it needs (in the same transaction).</summary>
    public static async Task<T?> DecideAsync<T>(
        this IDocumentSession session, Guid id, long? expectedVersion, Func<T, bool> admits, Func<T, Task<object>> decide, CancellationToken cancellationToken)
        where T : class =>
        await session.DecideAsync(await session.Events.FetchForWriting<T>(id, cancellationToken), expectedVersion, admits, decide, cancellationToken);

    /// <summary>As the other overloads, on a stream the handler already fetched for writing (to read its state before deciding, without a second fetch).</summary>
    public static async Task<T?> DecideAsync<T>(
        this IDocumentSession session, IEventStream<T> stream, long? expectedVersion, Func<T, bool> admits, Func<T, Task<object>> decide,
        CancellationToken cancellationToken)
        where T : class
    {
        if (stream.Aggregate is null || !admits(stream.Aggregate))
        {
            return null;
        }

        if (expectedVersion is { } expected && stream.StartingVersion != expected)
        {
            throw new EventStreamUnexpectedMaxEventIdException(stream.Id, typeof(T), expected, stream.StartingVersion ?? 0);
        }

        var @event = await decide(stream.Aggregate);
        stream.AppendOne(@event);
        await session.SaveChangesAsync(cancellationToken);
        // What the inline projection has just stored, by the same Apply, instead of reading it back.
        return (T)EventStream.Of<T>().Step(stream.Aggregate, stream.CurrentVersion ?? stream.StartingVersion.GetValueOrDefault() + 1, @event);
    }
}
