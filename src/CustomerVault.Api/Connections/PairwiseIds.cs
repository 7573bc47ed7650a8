using CustomerVault.Infrastructure.Http;
using Marten;
using Npgsql;

namespace CustomerVault.Connections;

/// <summary>What a vendor's id for a customer leads to: her vault id, nothing, or a customer who erased her account.</summary>
public readonly record struct PairwiseSubject(Guid? CustomerId, bool Erased)
{
    public static PairwiseSubject Unknown => default;
}

/// <summary>
/// Each vendor knows a customer under an id of its own (an OpenID Connect pairwise subject identifier): random, so that
/// nothing can derive it from her vault id or link two vendors' ids, and stable for that vendor. The vault id never
/// reaches a vendor; a vault id or another vendor's id names no one (404). Events keep the vault id: the mapping lives
/// beside them, so erasure can cut it.
/// </summary>
public static class PairwiseIds
{
    /// <summary>Which customer a vendor means by an id.</summary>
    public static async Task<PairwiseSubject> ResolveAsync(IQuerySession session, Guid vendorId, Guid id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT customer_id, erased_at IS NOT NULL FROM {ConnectionTables.Connections} WHERE id = $1 AND vendor_id = $2")
        {
            Parameters = { new() { Value = id }, new() { Value = vendorId } },
        };
        await using var reader = await session.ExecuteReaderAsync(command, cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new PairwiseSubject(reader.IsDBNull(0) ? null : reader.GetGuid(0), reader.GetBoolean(1))
            : PairwiseSubject.Unknown;
    }

    /// <summary>The vault id of the customer a vendor means; 404 when it knows no one by that id, 410 when she erased her account.</summary>
    public static async Task<Guid> CustomerOfAsync(IQuerySession session, Guid vendorId, Guid id, CancellationToken cancellationToken) =>
        await ResolveAsync(session, vendorId, id, cancellationToken) switch
        {
            { CustomerId: { } customerId } => customerId,
            { Erased: true } => throw new CustomerErasedException(id),
            _ => throw new UnknownCustomerException(),
        };

    /// <summary>The ids a vendor knows these customers by (those it knows), in one query.</summary>
    public static async Task<IReadOnlyDictionary<Guid, Guid>> OfCustomersAsync(
        IQuerySession session, Guid vendorId, IEnumerable<Guid> customerIds, CancellationToken cancellationToken)
    {
        var ids = customerIds.Distinct().ToArray();
        var known = new Dictionary<Guid, Guid>();
        if (ids.Length == 0)
        {
            return known;
        }

        await using var command = new NpgsqlCommand($"SELECT customer_id, id FROM {ConnectionTables.Connections} WHERE vendor_id = $1 AND customer_id = ANY($2)")
        {
            Parameters = { new() { Value = vendorId }, new() { Value = ids } },
        };
        await using var reader = await session.ExecuteReaderAsync(command, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            known[reader.GetGuid(0)] = reader.GetGuid(1);
        }

        return known;
    }

    /// <summary>The id each vendor that knows a customer knows her by, by vendor.</summary>
    public static async Task<IReadOnlyDictionary<Guid, Guid>> OfCustomerAsync(IQuerySession session, Guid customerId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT vendor_id, id FROM {ConnectionTables.Connections} WHERE customer_id = $1")
        {
            Parameters = { new() { Value = customerId } },
        };
        var ids = new Dictionary<Guid, Guid>();
        await using var reader = await session.ExecuteReaderAsync(command, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids[reader.GetGuid(0)] = reader.GetGuid(1);
        }

        return ids;
    }

    /// <summary>The vendors that know a customer (each by an id of its own), with when each first got to know her.</summary>
    public static async Task<IReadOnlyDictionary<Guid, DateTimeOffset>> VendorsOfAsync(IQuerySession session, Guid customerId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT vendor_id, connected_at FROM {ConnectionTables.Connections} WHERE customer_id = $1")
        {
            Parameters = { new() { Value = customerId } },
        };
        var vendors = new Dictionary<Guid, DateTimeOffset>();
        await using var reader = await session.ExecuteReaderAsync(command, cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            vendors[reader.GetGuid(0)] = reader.GetFieldValue<DateTimeOffset>(1);
        }

        return vendors;
    }

    /// <summary>
    /// The id a vendor knows a customer by, created the first time they meet (<paramref name="via"/> says how). Runs
    /// in the session's transaction when it has one; two first meetings at once agree on one id.
    /// </summary>
    public static Task<Guid> EnsureAsync(IQuerySession session, Guid vendorId, Guid customerId, string via, DateTimeOffset now, CancellationToken cancellationToken) =>
        EnsureAsync(command => session.ExecuteReaderAsync(command, cancellationToken), vendorId, customerId, via, now, cancellationToken);

    /// <summary>The same, on a connection (in its open transaction, if any).</summary>
    public static Task<Guid> EnsureAsync(NpgsqlConnection connection, Guid vendorId, Guid customerId, string via, DateTimeOffset now, CancellationToken cancellationToken) =>
        EnsureAsync(async command =>
        {
            command.Connection = connection;
            return await command.ExecuteReaderAsync(cancellationToken);
        }, vendorId, customerId, via, now, cancellationToken);

    private static async Task<Guid> EnsureAsync(
        Func<NpgsqlCommand, Task<System.Data.Common.DbDataReader>> execute, Guid vendorId, Guid customerId, string via, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        // Version 4: random. A version 7 id would tell anyone who sees it when she connected.
        var candidate = Guid.NewGuid();
        for (var attempt = 0; ; attempt++)
        {
            await using var command = new NpgsqlCommand(
                $"""
                 WITH inserted AS (
                     INSERT INTO {ConnectionTables.Connections} (id, vendor_id, customer_id, via, connected_at) VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (vendor_id, customer_id) DO NOTHING RETURNING id)
                 SELECT id FROM inserted UNION ALL SELECT id FROM {ConnectionTables.Connections} WHERE vendor_id = $2 AND customer_id = $3
                 LIMIT 1
                 """)
            {
                Parameters =
                {
                    new() { Value = candidate }, new() { Value = vendorId }, new() { Value = customerId }, new() { Value = via }, new() { Value = now },
                },
            };
            await using (var reader = await execute(command))
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    return reader.GetGuid(0);
                }
            }

            // A concurrent first meeting committed its row after this statement's snapshot: the next statement sees it.
            if (attempt == 2)
            {
                throw new InvalidOperationException($"No connection between vendor {vendorId} and a customer could be created or found.");
            }
        }
    }

    /// <summary>
    /// Erasure: every vendor's id for her stops leading to her (the rows stay, without her, so vendors get 410 rather than
    /// 404), and her unused connection codes go. In the erasure's transaction.
    /// </summary>
    public static async Task ForgetAsync(NpgsqlConnection connection, Guid customerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"UPDATE {ConnectionTables.Connections} SET customer_id = NULL, erased_at = $2 WHERE customer_id = $1")
                {
                    Parameters = { new() { Value = customerId }, new() { Value = now } },
                },
                new NpgsqlBatchCommand($"DELETE FROM {ConnectionTables.Codes} WHERE customer_id = $1") { Parameters = { new() { Value = customerId } } },
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}

/// <summary>The vendor knows no customer by this id (404): a vault id, another vendor's id and a made-up one answer alike.</summary>
public sealed class UnknownCustomerException() : Exception("No customer is known to this vendor under this id.");
