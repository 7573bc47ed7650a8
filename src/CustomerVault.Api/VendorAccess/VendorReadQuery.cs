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
/// Loads a read's state in one round trip: the vendor, whom its id for the customer leads to, its grants for her, her
/// profile and key. The vendor names her by its pairwise id; each statement finds her vault id through the connection
/// (a primary-key lookup) rather than a second trip.
/// Plain SQL over the inline projections' tables rather than LINQ, because this runs on every vendor read and
/// translating the same expression thousands of times a second costs more than the database work itself; and on
/// the multiplexed read data source, so many concurrent reads share a few connections.
/// </summary>
public sealed class VendorReadQuery
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly Weasel.Storage.IStorageSerializer _serializer;
    private readonly string _vendors;
    private readonly string _grants;
    private readonly string _profiles;
    private readonly string _keys;

    public VendorReadQuery(ReadDataSource reads, IDocumentStore store)
    {
        _dataSource = reads.DataSource;
        _serializer = store.Options.Serializer();
        _vendors = store.TableOf<Vendor>();
        _grants = store.TableOf<Grant>();
        _profiles = store.TableOf<Profile>();
        _keys = store.TableOf<CustomerDataKey>();
    }

    /// <param name="customerId">The vendor's id for the customer (pairwise), as it gave it.</param>
    public async Task<VendorReadState> LoadAsync(Guid vendorId, Guid customerId, CancellationToken cancellationToken)
    {
        var customer = $"(SELECT customer_id FROM {ConnectionTables.Connections} WHERE id = $2 AND vendor_id = $1)";
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                // Only the status: the read needs nothing else of the vendor, and converting whole documents to text is most of the database's work here.
                Command($"SELECT status FROM {_vendors} WHERE id = $1", vendorId),
                Command($"SELECT customer_id, erased_at IS NOT NULL FROM {ConnectionTables.Connections} WHERE id = $2 AND vendor_id = $1", vendorId, customerId),
                Command($"SELECT data FROM {_grants} WHERE vendor_id = $1 AND customer_id = {customer}", vendorId, customerId),
                Command($"SELECT data FROM {_profiles} WHERE id = {customer}", vendorId, customerId),
                Command($"SELECT data FROM {_keys} WHERE id = {customer}", vendorId, customerId),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        // A status column not filled (a vendor registered by a node of an older version, until the projections are
        // rebuilt) refuses the read like an unknown vendor: the read fails closed.
        VendorStatus? vendor = await reader.ReadAsync(cancellationToken) && !reader.IsDBNull(0) ? Enum.Parse<VendorStatus>(reader.GetString(0)) : null;
        await reader.NextResultAsync(cancellationToken);
        var subject = await reader.ReadAsync(cancellationToken)
            ? new PairwiseSubject(reader.IsDBNull(0) ? null : reader.GetGuid(0), reader.GetBoolean(1))
            : PairwiseSubject.Unknown;
        await reader.NextResultAsync(cancellationToken);
        var grants = new List<Grant>();
        while (await reader.ReadAsync(cancellationToken))
        {
            grants.Add(_serializer.FromJson<Grant>(reader, 0));
        }

        await reader.NextResultAsync(cancellationToken);
        var profile = await SingleAsync<Profile>(reader, cancellationToken);
        await reader.NextResultAsync(cancellationToken);
        var key = await SingleAsync<CustomerDataKey>(reader, cancellationToken);
        return new VendorReadState(vendor, subject, grants, profile, key);
    }

    private async Task<T?> SingleAsync<T>(NpgsqlDataReader reader, CancellationToken cancellationToken) where T : class =>
        await reader.ReadAsync(cancellationToken) ? _serializer.FromJson<T>(reader, 0) : null;

    private static NpgsqlBatchCommand Command(string sql, params Guid[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        }

        return command;
    }
}
