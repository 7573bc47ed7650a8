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
    /// The handler of a command on one stream: fetched expecting <paramref name="expectedVersion"/> (a stale one fails with
    /// a concurrency error on saving), decided, appended, saved, and read back. Null when there is no such stream, or
    /// <paramref name="admits"/> refuses the caller its state (another party's stream answers like a missing one).
    /// </summary>
    public static async Task<T?> DecideAsync<T>(
        this IDocumentSession session, Guid id, long? expectedVersion, Func<T, bool> admits, Func<T, object> decide, CancellationToken cancellationToken)
        where T : class
    {
        var stream = await session.FetchForWritingAsync<T>(id, expectedVersion, cancellationToken);
        if (stream.Aggregate is null || !admits(stream.Aggregate))
        {
            return null;
        }

        stream.AppendOne(decide(stream.Aggregate));
        await session.SaveChangesAsync(cancellationToken);
        return await session.LoadAsync<T>(id, cancellationToken);
    }
}
