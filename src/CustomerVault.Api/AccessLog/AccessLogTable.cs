using CustomerVault.Infrastructure.EventStore;
using Npgsql;
using NpgsqlTypes;
using Weasel.Postgresql.Tables;

namespace CustomerVault.AccessLog;

/// <summary>
/// The access log's own table, append-only, next to the event store and migrated with it at start-up. Not a
/// document table: every vendor read writes a row before its data leaves, so rows are written in batches with
/// COPY and read with plain SQL, and the columns are exactly what the customer is shown.
/// </summary>
public static class AccessLogTable
{
    public const string Name = EventStoreSetup.Schema + ".access_log";

    private const string Columns = "id, customer_id, vendor_id, kind, purpose, grant_ids, attributes, channel, at, request_id";

    public static Table Definition()
    {
        var table = new Table(new Weasel.Postgresql.PostgresqlObjectName(EventStoreSetup.Schema, "access_log", Weasel.Postgresql.SchemaUtils.IdentifierUsage.General));
        table.AddColumn("id", "uuid").AsPrimaryKey();
        table.AddColumn("customer_id", "uuid").NotNull();
        table.AddColumn("vendor_id", "uuid").NotNull();
        table.AddColumn("kind", "text").NotNull();
        table.AddColumn("purpose", "text").NotNull();
        table.AddColumn("grant_ids", "uuid[]").NotNull();
        table.AddColumn("attributes", "text[]").NotNull();
        table.AddColumn("channel", "text").AllowNulls();
        table.AddColumn("at", "timestamp with time zone").NotNull();
        table.AddColumn("request_id", "text").NotNull();
        table.Indexes.Add(new IndexDefinition("ix_access_log_customer_at") { Columns = ["customer_id", "at"] });
        table.Indexes.Add(new IndexDefinition("ix_access_log_customer_vendor_kind_at") { Columns = ["customer_id", "vendor_id", "kind", "at"] });
        return table;
    }

    /// <summary>Writes entries with binary COPY, in the connection's open transaction.</summary>
    public static async Task WriteAsync(NpgsqlConnection connection, IEnumerable<AccessLogEntry> entries, CancellationToken cancellationToken)
    {
        await using var copy = await connection.BeginBinaryImportAsync($"COPY {Name} ({Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var entry in entries)
        {
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(entry.Id, NpgsqlDbType.Uuid, cancellationToken);
            await copy.WriteAsync(entry.CustomerId, NpgsqlDbType.Uuid, cancellationToken);
            await copy.WriteAsync(entry.VendorId, NpgsqlDbType.Uuid, cancellationToken);
            await copy.WriteAsync(KindName(entry.Kind), NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(entry.Purpose, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(entry.GrantIds.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Uuid, cancellationToken);
            await copy.WriteAsync(entry.Attributes.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
            if (entry.Channel is null)
            {
                await copy.WriteNullAsync(cancellationToken);
            }
            else
            {
                await copy.WriteAsync(entry.Channel, NpgsqlDbType.Text, cancellationToken);
            }

            await copy.WriteAsync(entry.At, NpgsqlDbType.TimestampTz, cancellationToken);
            await copy.WriteAsync(entry.RequestId, NpgsqlDbType.Text, cancellationToken);
        }

        await copy.CompleteAsync(cancellationToken);
    }

    /// <summary>A customer's entries, newest first.</summary>
    public static async Task<IReadOnlyList<AccessLogEntry>> QueryAsync(
        NpgsqlConnection connection, Guid customerId, Guid? vendorId, DateTimeOffset? from, DateTimeOffset? to, int limit, int offset,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
             SELECT {Columns} FROM {Name}
             WHERE customer_id = $1 AND ($2::uuid IS NULL OR vendor_id = $2)
               AND ($3::timestamptz IS NULL OR at >= $3) AND ($4::timestamptz IS NULL OR at < $4)
             ORDER BY at DESC, id DESC LIMIT $5 OFFSET $6
             """, connection)
        {
            Parameters =
            {
                new() { Value = customerId },
                Nullable(vendorId, NpgsqlDbType.Uuid),
                Nullable(from, NpgsqlDbType.TimestampTz),
                Nullable(to, NpgsqlDbType.TimestampTz),
                new() { Value = limit },
                new() { Value = offset },
            },
        };
        return await ReadAsync(command, cancellationToken);
    }

    /// <summary>
    /// A page of a customer's entries of one kind, newest first, starting after <paramref name="after"/> (the last entry of
    /// the page before): keyset paging, so that the thousandth page costs what the first did.
    /// </summary>
    public static async Task<IReadOnlyList<AccessLogEntry>> PageAsync(
        NpgsqlConnection connection, Guid customerId, AccessKind kind, (DateTimeOffset At, Guid Id)? after, int limit, CancellationToken cancellationToken)
    {
        // Two statements rather than "$3 IS NULL OR ...", which a generic plan could not seek with; "at <= $4" repeats the
        // row comparison in a form the (customer_id, at) index can seek to.
        var from = after is null ? "" : "AND at <= $4 AND (at, id) < ($4, $5)";
        await using var command = new NpgsqlCommand(
            $"""
             SELECT {Columns} FROM {Name}
             WHERE customer_id = $1 AND kind = $2 {from}
             ORDER BY at DESC, id DESC LIMIT $3
             """, connection)
        {
            Parameters =
            {
                new() { Value = customerId },
                new() { Value = KindName(kind) },
                new() { Value = limit },
            },
        };
        if (after is { } cursor)
        {
            command.Parameters.Add(new() { Value = cursor.At });
            command.Parameters.Add(new() { Value = cursor.Id });
        }

        return await ReadAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<AccessLogEntry>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var entries = new List<AccessLogEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new AccessLogEntry(
                reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), Enum.Parse<AccessKind>(reader.GetString(3), ignoreCase: true), reader.GetString(4),
                reader.GetFieldValue<Guid[]>(5), reader.GetFieldValue<string[]>(6), reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetFieldValue<DateTimeOffset>(8), reader.GetString(9)));
        }

        return entries;
    }

    public static string KindName(AccessKind kind) => kind.ToString().ToLowerInvariant();

    private static NpgsqlParameter Nullable<T>(T? value, NpgsqlDbType type) where T : struct =>
        new() { Value = value is { } v ? v : DBNull.Value, NpgsqlDbType = type };
}
