using CustomerVault.Infrastructure.Telemetry;
using Npgsql;

namespace CustomerVault.Webhooks;

/// <summary>The webhook outbox's backlog: notifications not yet delivered nor given up on.</summary>
public sealed class WebhookOutboxProbe(NpgsqlDataSource dataSource) : IOutboxProbe
{
    public string Name => "webhooks";

    public async Task<OutboxBacklog> MeasureAsync(CancellationToken cancellationToken)
    {
        // Only pending rows, through the partial index on them: delivered ones can be millions.
        await using var command = dataSource.CreateCommand($"SELECT count(*), min(created_at) FROM {WebhookOutbox.Table} WHERE status = 'pending'");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new OutboxBacklog(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1));
    }
}
