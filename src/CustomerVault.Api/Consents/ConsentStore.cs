using CustomerVault.Infrastructure.EventStore;
using Marten;

namespace CustomerVault.Consents;

/// <summary>
/// Requests and grants in the event store, with the idempotency records of access requests. Other features that
/// query them in plain SQL (hot paths, set-based statements) use only the columns kept here beside each document,
/// which the store fills from the document on every write and backfills when a column is added; never the JSON.
/// What such a statement needs of a grant's document, the grant's owner selects for it (<see cref="GrantRows"/>).
/// </summary>
public sealed class ConsentStore : IStorePart
{
    public void Configure(StoreOptions options)
    {
        // customer_id, vendor_id: whose consents an audit gathers, and the vendor read's lookup.
        options.AddEventStream<AccessRequest>().Duplicate(r => r.CustomerId).Duplicate(r => r.VendorId);

        // status, expires_at: which grants are active (the webhooks of a suspended vendor); version: the access log
        // locks the grants a read relied on and checks they did not change.
        options.AddEventStream<Grant>()
            .Duplicate(g => g.CustomerId).Duplicate(g => g.VendorId)
            .Duplicate(g => g.Status).Duplicate(g => g.ExpiresAt).Duplicate(g => g.Version);

        options.Schema.For<IdempotencyRecord>().Identity(r => r.Id);
    }
}
