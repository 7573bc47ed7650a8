using System.Linq.Expressions;
using CustomerVault.Connections;
using CustomerVault.Infrastructure.EventStore;
using JasperFx.Events;
using Marten;

namespace CustomerVault.Consents;

/// <summary>A request or a grant: always between one vendor and one customer.</summary>
public interface IConsent
{
    Guid VendorId { get; }

    Guid CustomerId { get; }
}

/// <summary>
/// A party to a consent: the customer it concerns or the vendor it is for. Each sees and changes only the requests and
/// grants it is party to; another party's request or grant answers exactly like one that does not exist. Reads and
/// changes that customers and vendors share take the party as their one ownership rule.
/// </summary>
public sealed record Party(Guid Id, bool IsVendor)
{
    public static Party Customer(Guid customerId) => new(customerId, false);

    public static Party Vendor(Guid vendorId) => new(vendorId, true);

    public bool IsPartyTo(IConsent consent) => Id == (IsVendor ? consent.VendorId : consent.CustomerId);

    /// <summary>The consents this party is party to; only those with <paramref name="other"/> (the other side) when it is named.</summary>
    public IQueryable<T> Filter<T>(IQueryable<T> consents, Guid? other = null) where T : IConsent
    {
        var own = consents.Where(Is<T>(IsVendor ? nameof(IConsent.VendorId) : nameof(IConsent.CustomerId), Id));
        return other is { } otherId ? own.Where(Is<T>(IsVendor ? nameof(IConsent.CustomerId) : nameof(IConsent.VendorId), otherId)) : own;
    }

    /// <summary>One of this party's requests or grants, or null when it is not party to it (or there is none).</summary>
    public async Task<T?> LoadAsync<T>(IQuerySession session, Guid id, CancellationToken cancellationToken) where T : class, IConsent =>
        await session.LoadAsync<T>(id, cancellationToken) is { } consent && IsPartyTo(consent) ? consent : null;

    /// <summary>
    /// How this party knows the customers of these consents: a customer by her vault id, a vendor by the ids it knows them
    /// under (pairwise; none for a customer who erased her account).
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, Guid>> CustomerIdsAsync(IQuerySession session, IEnumerable<IConsent> consents, CancellationToken cancellationToken) =>
        IsVendor
            ? await PairwiseIds.OfCustomersAsync(session, Id, consents.Select(c => c.CustomerId), cancellationToken)
            : consents.Select(c => c.CustomerId).Distinct().ToDictionary(id => id);

    /// <summary>
    /// The other side named in a filter, as the vault knows it: a vendor names a customer by its pairwise id. Null when the
    /// party knows no one by that id (the filter then matches nothing).
    /// </summary>
    public async Task<Guid?> OtherAsync(IQuerySession session, Guid other, CancellationToken cancellationToken) =>
        IsVendor ? (await PairwiseIds.ResolveAsync(session, Id, other, cancellationToken)).CustomerId : other;

    /// <summary>Decides on one of this party's requests or grants (see <see cref="Streams.DecideAsync{T}(IDocumentSession, Guid, long?, Func{T, bool}, Func{T, object}, CancellationToken)"/>); null when it has no such one.</summary>
    public Task<T?> DecideAsync<T>(IDocumentSession session, Guid id, long? expectedVersion, Func<T, object> decide, CancellationToken cancellationToken)
        where T : class, IConsent =>
        session.DecideAsync(id, expectedVersion, IsPartyTo, decide, cancellationToken);

    /// <summary>As the other overload, on a stream the handler already fetched for writing.</summary>
    public Task<T?> DecideAsync<T>(IDocumentSession session, IEventStream<T> stream, long? expectedVersion, Func<T, object> decide, CancellationToken cancellationToken)
        where T : class, IConsent =>
        session.DecideAsync(stream, expectedVersion, IsPartyTo, state => Task.FromResult(decide(state)), cancellationToken);

    // Built on the concrete type rather than the interface, so the event store translates it to the document's own column.
    private static Expression<Func<T, bool>> Is<T>(string member, Guid value)
    {
        var consent = Expression.Parameter(typeof(T), "consent");
        return Expression.Lambda<Func<T, bool>>(Expression.Equal(Expression.Property(consent, member), Expression.Constant(value)), consent);
    }
}
