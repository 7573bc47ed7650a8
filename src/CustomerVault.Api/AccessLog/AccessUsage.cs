using Npgsql;

namespace CustomerVault.AccessLog;

/// <summary>How much a vendor has used a customer's data lately, summed in the database.</summary>
public sealed record AccessUsage(DateTimeOffset? LastRead, int ReadsLast30Days, int ContactsLast7Days)
{
    public static readonly TimeSpan ContactWindow = TimeSpan.FromDays(7);
    public static readonly TimeSpan ReadWindow = TimeSpan.FromDays(30);

    public static async Task<IReadOnlyDictionary<Guid, AccessUsage>> ForCustomerAsync(
        NpgsqlConnection connection, Guid customerId, DateTimeOffset now, CancellationToken cancellationToken, Guid? vendorId = null)
    {
        await using var command = new NpgsqlCommand(
            $"""
             SELECT vendor_id,
                    max(at) FILTER (WHERE kind = 'read'),
                    count(*) FILTER (WHERE kind = 'read' AND at >= $2),
                    count(*) FILTER (WHERE kind = 'contact' AND at > $3)
             FROM {AccessLogTable.Name}
             WHERE customer_id = $1 AND ($4::uuid IS NULL OR vendor_id = $4)
             GROUP BY vendor_id
             """, connection)
        {
            Parameters =
            {
                new() { Value = customerId },
                new() { Value = now - ReadWindow },
                new() { Value = now - ContactWindow },
                new() { Value = (object?)vendorId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid },
            },
        };
        var usage = new Dictionary<Guid, AccessUsage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            usage[reader.GetGuid(0)] = new AccessUsage(
                reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1), (int)reader.GetInt64(2), (int)reader.GetInt64(3));
        }

        return usage;
    }
}
