using CustomerVault.Infrastructure.Http;
using JasperFx.Events;
using Marten;

namespace CustomerVault.Infrastructure.EventStore;

public static class Streams
{
    /// <summary>Fetches a stream for writing, expecting the version the request's If-Match names (if any).</summary>
    public static Task<IEventStream<T>> FetchForWritingAsync<T>(this IDocumentSession session, Guid id, HttpRequest request, CancellationToken cancellationToken)
        where T : class =>
        session.FetchForWritingAsync<T>(id, ETag.ExpectedVersion(request), cancellationToken);

    /// <summary>Fetches a stream for writing; saving fails with a concurrency error when it is no longer at <paramref name="expectedVersion"/>.</summary>
    public static Task<IEventStream<T>> FetchForWritingAsync<T>(this IDocumentSession session, Guid id, long? expectedVersion, CancellationToken cancellationToken)
        where T : class =>
        expectedVersion is { } version
            ? session.Events.FetchForWriting<T>(id, version, cancellationToken)
            : session.Events.FetchForWriting<T>(id, cancellationToken);
}
