using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Polly;
using Polly.Retry;

namespace CustomerVault.Infrastructure.EventStore;

/// <summary>SQL a feature keeps beside the event store that the store does not manage itself (triggers, hand-made tables); idempotent.</summary>
public sealed record SchemaScript(string Sql);

/// <summary>
/// Runs every feature's schema scripts at start-up, after the event store's own migration and before any feature's
/// background work appends an event: in registration order, in one transaction, one node at a time. A database that
/// already holds exactly these scripts (their fingerprint is recorded with them) is left alone: replacing the same
/// functions and triggers again costs a catalog write, a lock on the event table and a scan for unchained events at
/// every start. The scripts replace triggers and functions on tables that running nodes write to, so the transaction
/// can be chosen as a deadlock victim during a rolling upgrade; it is all or nothing, so it is simply run again.
/// </summary>
public sealed class SchemaScriptInstaller(NpgsqlDataSource dataSource, IEnumerable<SchemaScript> scripts) : IHostedService
{
    private const string Installed = EventStoreSetup.Schema + ".schema_scripts";

    private static readonly ResiliencePipeline LockConflicts = new ResiliencePipelineBuilder()
        .AddRetry(new RetryStrategyOptions
        {
            ShouldHandle = new PredicateBuilder().Handle<PostgresException>(e =>
                e.SqlState is PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.LockNotAvailable),
            MaxRetryAttempts = 5,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = TimeSpan.FromMilliseconds(200),
        })
        .Build();

    public Task StartAsync(CancellationToken cancellationToken) =>
        LockConflicts.ExecuteAsync(async token => await InstallAsync(token), cancellationToken).AsTask();

    private async Task InstallAsync(CancellationToken cancellationToken)
    {
        var fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n;\n", scripts.Select(s => s.Sql)))));
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await InstalledFingerprintAsync(connection, cancellationToken) == fingerprint)
        {
            return;
        }

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

        await using (var record = new NpgsqlCommand(
                         $"CREATE TABLE IF NOT EXISTS {Installed} (id integer PRIMARY KEY CHECK (id = 1), fingerprint text NOT NULL, installed_at timestamptz NOT NULL)",
                         connection))
        {
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var record = new NpgsqlCommand(
                         $"INSERT INTO {Installed} VALUES (1, $1, now()) ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint, installed_at = excluded.installed_at",
                         connection))
        {
            record.Parameters.Add(new NpgsqlParameter { Value = fingerprint });
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task<string?> InstalledFingerprintAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT fingerprint FROM {Installed}", connection);
        try
        {
            return await command.ExecuteScalarAsync(cancellationToken) as string;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return null; // a database of an earlier version, or a new one
        }
    }
}
