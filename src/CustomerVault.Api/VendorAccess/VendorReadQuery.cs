using System.Data;
using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Infrastructure.Database;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Profiles;
using CustomerVault.Vendors;
using Marten;
using Npgsql;

namespace CustomerVault.VendorAccess;

/// <summary>
/// Loads a read's state in one statement: the vendor, whom its id for the customer leads to, its grants for her, her
/// profile and key. The vendor names her by its pairwise id; the connection (a primary-key lookup) leads to her vault
/// id. One statement rather than a batch of five, each of which cost the server an execution of its own.
/// Plain SQL over the inline projections' tables rather than LINQ, because this runs on every vendor read and
/// translating the same expression thousands of times a second costs more than the database work itself; and on
/// the multiplexed read data source, so many concurrent reads share a few connections.
/// </summary>
public sealed class VendorReadQuery
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly Weasel.Storage.IStorageSerializer _serializer;
    private readonly string _sql;

    public VendorReadQuery(ReadDataSource reads, IDocumentStore store)
    {
        _dataSource = reads.DataSource;
        _serializer = store.Options.Serializer();
        // One row whatever is missing. Only the vendor's status: the read needs nothing else of it, and converting
        // whole documents to text is much of the database's work here. The grants come as one JSON array.
        _sql = $"""
                SELECT v.status, c.id IS NOT NULL, c.customer_id, c.erased_at IS NOT NULL,
                       (SELECT json_agg(g.data) FROM {store.TableOf<Grant>()} g WHERE g.vendor_id = $1 AND g.customer_id = c.customer_id),
                       p.data, k.data
                FROM (SELECT) AS one
                LEFT JOIN {store.TableOf<Vendor>()} v ON v.id = $1
                LEFT JOIN {ConnectionTables.Connections} c ON c.id = $2 AND c.vendor_id = $1
                LEFT JOIN {store.TableOf<Profile>()} p ON p.id = c.customer_id
                LEFT JOIN {store.TableOf<CustomerDataKey>()} k ON k.id = c.customer_id
                """;
    }

    /// <param name="customerId">The vendor's id for the customer (pairwise), as it gave it.</param>
    public async Task<VendorReadState> LoadAsync(Guid vendorId, Guid customerId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(_sql, connection) { Parameters = { new() { Value = vendorId }, new() { Value = customerId } } };
        await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SingleRow, cancellationToken);
        await reader.ReadAsync(cancellationToken);
        // A status column not filled (a vendor registered by a node of an older version, until the projections are
        // rebuilt) refuses the read like an unknown vendor: the read fails closed.
        VendorStatus? vendor = reader.IsDBNull(0) ? null : Enum.Parse<VendorStatus>(reader.GetString(0));
        var subject = reader.GetBoolean(1)
            ? new PairwiseSubject(reader.IsDBNull(2) ? null : reader.GetGuid(2), reader.GetBoolean(3))
            : PairwiseSubject.Unknown;
        List<Grant> grants = reader.IsDBNull(4) ? [] : _serializer.FromJson<List<Grant>>(reader, 4);
        var profile = reader.IsDBNull(5) ? null : _serializer.FromJson<Profile>(reader, 5);
        var key = reader.IsDBNull(6) ? null : _serializer.FromJson<CustomerDataKey>(reader, 6);
        return new VendorReadState(vendor, subject, grants, profile, key);
    }
}
