using Npgsql;

namespace CustomerVault.Infrastructure.EventStore;

/// <summary>SQL a feature keeps beside the event store that the store does not manage itself (triggers, hand-made tables); idempotent.</summary>
public sealed record SchemaScript(string Sql);

/// <summary>
/// Runs every feature's schema scripts at start-up, after the event store's own migration and before any feature's
/// background work appends an event: in registration order, in one transaction, one node at a time.
/// </summary>
public sealed class SchemaScriptInstaller(NpgsqlDataSource dataSource, IEnumerable<SchemaScript> scripts) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The lock's name is older than the other scripts: nodes of earlier versions take the same one.
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('customervault/event-chain'))", connection))
        {
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var script in scripts)
        {
            await using var install = new NpgsqlCommand(script.Sql, connection);
            await install.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
