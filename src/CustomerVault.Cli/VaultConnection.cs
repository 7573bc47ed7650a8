using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Database;
using CustomerVault.Infrastructure.EventStore;
using Marten;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace CustomerVault.Cli;

/// <summary>
/// The vault's database as the CLI sees it: the connection string given (option or ConnectionStrings__Vault), or
/// the embedded server of the local vault, attached to if it runs and started (and stopped again) if it does not.
/// </summary>
public sealed class VaultConnection : IAsyncDisposable
{
    private readonly EmbeddedPostgresServer? _embedded;

    private VaultConnection(string connectionString, EmbeddedPostgresServer? embedded)
    {
        ConnectionString = connectionString;
        _embedded = embedded;
        DataSource = NpgsqlDataSource.Create(connectionString);
        Store = DocumentStore.For(options =>
        {
            EventStoreSetup.ConfigureStore(options);
            options.Connection(DataSource);
            // The CLI reads and rebuilds; it never changes the schema the vault migrated.
            options.AutoCreateSchemaObjects = JasperFx.AutoCreate.None;
        });
    }

    public string ConnectionString { get; }
    public NpgsqlDataSource DataSource { get; }
    public DocumentStore Store { get; }

    public static async Task<VaultConnection> OpenAsync(string? connectionString, string? dataDirectory, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        connectionString ??= environment("ConnectionStrings__Vault");
        EmbeddedPostgresServer? embedded = null;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(new Dictionary<string, string?> { [VaultPaths.DataDirectoryKey] = dataDirectory ?? environment("Vault__DataDirectory") })
                .Build();
            var root = Path.Combine(VaultPaths.DataDirectory(configuration), "postgres");
            if (!File.Exists(Path.Combine(root, "data", "PG_VERSION")))
            {
                throw new CliException(ExitCodes.DatabaseUnavailable,
                    $"No vault database at {root}. Pass --connection, set ConnectionStrings__Vault, or --data-directory for the vault's data folder; "
                    + $"or work over the vault's API with --vault (or {VaultCli.UrlVariable}).");
            }

            try
            {
                embedded = await EmbeddedPostgresServer.AttachOrStartAsync(root, environment("Vault__EmbeddedDatabase__BinDirectory"), NullLogger.Instance, cancellationToken);
            }
            catch (VaultStartupException e)
            {
                throw new CliException(ExitCodes.DatabaseUnavailable, e.Message, e);
            }

            connectionString = embedded.ConnectionString("customervault").ConnectionString;
        }

        var connection = new VaultConnection(connectionString, embedded);
        try
        {
            await using var probe = await connection.DataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand($"SELECT to_regclass('{EventStoreSetup.Schema}.mt_events') IS NOT NULL", probe);
            if (await command.ExecuteScalarAsync(cancellationToken) is not true)
            {
                throw new CliException(ExitCodes.DatabaseUnavailable, "The database holds no vault (no event store in schema 'vault').");
            }
        }
        catch (Exception e) when (e is NpgsqlException or ArgumentException or InvalidOperationException && e is not CliException)
        {
            await connection.DisposeAsync();
            throw new CliException(ExitCodes.DatabaseUnavailable, $"Cannot reach the vault's database: {e.Message}", e);
        }
        catch (CliException)
        {
            await connection.DisposeAsync();
            throw;
        }

        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        await DataSource.DisposeAsync();
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
        }
    }
}
