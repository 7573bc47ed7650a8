using CustomerVault.Infrastructure.Telemetry;
using Npgsql;

namespace CustomerVault.Messages.Delivery;

/// <summary>The message outbox's backlog: messages accepted and not yet delivered nor given up on.</summary>
public sealed class MessageOutboxProbe(NpgsqlDataSource dataSource) : IOutboxProbe
{
    public string Name => "messages";

    public async Task<OutboxBacklog> MeasureAsync(CancellationToken cancellationToken)
    {
        // Only pending rows, through the partial index on them: delivered messages accumulate.
        await using var command = dataSource.CreateCommand($"SELECT count(*), min(created_at) FROM {MessageTable.Name} WHERE status = '{DeliveryStatus.Pending}'");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new OutboxBacklog(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }
}
