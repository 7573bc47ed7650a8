using System.Data.Common;
using System.Diagnostics.Metrics;
using CustomerVault.Infrastructure.Telemetry;
using Npgsql;
using Polly;
using Polly.Retry;

namespace CustomerVault.Infrastructure.Database;

/// <summary>
/// The one PostgreSQL database that holds everything: the event store and its documents (Marten, schema
/// <c>vault</c>), accounts, OAuth clients and tokens (EF Core, schema <c>identity</c>) and Data Protection keys.
/// It is <c>ConnectionStrings:Vault</c> when configured; otherwise an embedded server started on first use.
/// </summary>
public sealed class VaultDatabase : IHostedService, IAsyncDisposable
{
    public const string ConnectionStringName = "Vault";

    private readonly IConfiguration _configuration;
    private readonly ILogger<VaultDatabase> _logger;
    private readonly Lazy<string> _connectionString;
    private EmbeddedPostgresServer? _embedded;

    public VaultDatabase(IConfiguration configuration, IMeterFactory meters, ILogger<VaultDatabase> logger)
    {
        _configuration = configuration;
        _logger = logger;
        meters.Create(VaultTelemetry.MeterName).CreateObservableCounter("customervault.embedded_database.restarts",
            () => _embedded is { } server ? [new Measurement<long>(server.Restarts)] : Array.Empty<Measurement<long>>(), "{restart}",
            "Times the embedded PostgreSQL server was started again after it died (reported only when the vault runs one).");
        // The first consumer (usually the event store, while the host builds its services) waits for the server.
        // Starting it lazily rather than in StartAsync is deliberate: the host constructs every hosted service,
        // and with them the document store and its data source, before it starts any of them.
        _connectionString = new Lazy<string>(() => ConnectAsync(CancellationToken.None).GetAwaiter().GetResult());
    }

    public string ConnectionString => _connectionString.Value;

    public bool IsEmbedded => _embedded is not null;

    /// <summary>The embedded server, when the vault runs its own.</summary>
    public EmbeddedPostgresServer? EmbeddedServer => _embedded;

    /// <summary>
    /// The connection settings the vault's hot paths rely on, unless the connection string sets them itself:
    /// statements used again and again are prepared once per connection (a vendor read runs the same few
    /// statements every time), and connections go back to the pool without a reset, which would drop them.
    /// The vault keeps no session state on a connection (its locks end with their transaction). Behind
    /// PgBouncer in transaction mode, set "Max Auto Prepare=0" in ConnectionStrings:Vault.
    /// </summary>
    /// <remarks>
    /// Several hosts (<c>Host=a,b,c</c>) are the members of one replicated cluster (Patroni, say). The vault writes,
    /// so it connects to the member that accepts writes (<c>Target Session Attributes=read-write</c>), and it
    /// forgets what it knew of each member's role after 2 seconds instead of Npgsql's 10: after a failover, the
    /// promoted standby is not tried until its remembered role expires, and that time adds to the outage.
    /// </remarks>
    public static string Tuned(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        bool Given(params string[] keywords) => keywords.Any(given.ContainsKey);

        if (!Given("Max Auto Prepare", "MaxAutoPrepare", "Auto Prepare Min Usages", "AutoPrepareMinUsages"))
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }

        if (!Given("No Reset On Close", "NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        if (IsMultiHost(builder))
        {
            if (!Given("Target Session Attributes", "TargetSessionAttributes"))
            {
                builder.TargetSessionAttributes = "read-write";
            }

            if (!Given("Host Recheck Seconds", "HostRecheckSeconds"))
            {
                builder.HostRecheckSeconds = 2;
            }
        }

        return builder.ConnectionString;
    }

    /// <summary>Whether the connection string names several hosts: the members of one replicated cluster.</summary>
    public static bool IsMultiHost(NpgsqlConnectionStringBuilder builder) => builder.Host?.Contains(',', StringComparison.Ordinal) == true;

    /// <summary>Connects now (starting the embedded server if need be) instead of on first use.</summary>
    public void EnsureStarted() => _ = ConnectionString;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = ConnectionString;
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_embedded is not null)
        {
            await _embedded.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_embedded is not null)
        {
            await _embedded.DisposeAsync();
        }
    }

    private async Task<string> ConnectAsync(CancellationToken cancellationToken)
    {
        var configured = _configuration.GetConnectionString(ConnectionStringName);
        string connectionString;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            connectionString = configured;
        }
        else
        {
            var options = _configuration.GetSection(EmbeddedDatabaseOptions.Section).Get<EmbeddedDatabaseOptions>() ?? new();
            var root = options.DataDirectory ?? Path.Combine(VaultPaths.DataDirectory(_configuration), "postgres");
            _embedded = await EmbeddedPostgresServer.StartAsync(root, options.BinDirectory, options.Port, durable: true, _logger, cancellationToken,
                options.RestartDelay, mayRelocate: options.DataDirectory is null);
            await _embedded.EnsureDatabaseAsync(options.Database, cancellationToken: cancellationToken);
            connectionString = _embedded.ConnectionString(options.Database).ConnectionString;
        }

        await WaitUntilWritableAsync(connectionString, cancellationToken);
        return connectionString;
    }

    private async Task WaitUntilWritableAsync(string connectionString, CancellationToken cancellationToken)
    {
        // A database that starts alongside the vault (a container, a service restarting) takes a moment, and a
        // replicated cluster may be between leaders: wait about a minute for a server that accepts writes, which
        // covers a failover. Every start-up step after this one writes (schema changes, client registrations).
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is ServerIsStandbyException || DatabaseFailures.IsUnavailable(e)),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(250),
                MaxDelay = TimeSpan.FromSeconds(5),
                MaxRetryAttempts = 16,
                OnRetry = args =>
                {
                    _logger.LogWarning("The database does not accept writes yet (attempt {Attempt}: {Reason}); retrying in {Delay}",
                        args.AttemptNumber + 1, DatabaseFailures.Describe(args.Outcome.Exception), args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

        var tuned = Tuned(connectionString);
        try
        {
            await pipeline.ExecuteAsync(async ct =>
            {
                await using var connection = new NpgsqlConnection(tuned);
                await connection.OpenAsync(ct);
                await using var command = new NpgsqlCommand("SELECT pg_is_in_recovery()", connection);
                if (await command.ExecuteScalarAsync(ct) is true)
                {
                    throw new ServerIsStandbyException(connection.Host, connection.Port);
                }
            }, cancellationToken);
        }
        catch (ServerIsStandbyException e)
        {
            throw new VaultStartupException(
                $"{e.Message} ConnectionStrings:Vault must lead to the primary: list every member of the cluster "
                + "(Host=a,b,c) and the vault connects to the one that accepts writes.", e);
        }
        catch (Exception e) when (e is NpgsqlException)
        {
            throw new VaultStartupException($"The database configured in ConnectionStrings:Vault cannot be reached: {e.Message}", e);
        }
    }

    private sealed class ServerIsStandbyException(string? host, int port)
        : Exception($"The database server at {host}:{port} is a standby (read-only), or still recovering.");
}

/// <summary>
/// A second way into the same database for the hottest read-only queries (every vendor read): multiplexed, so that
/// dozens of concurrent reads share a few connections instead of each waking its own server process. Nothing that
/// needs a transaction, a lock or COPY goes through it. Reads through it see every committed change, like any other:
/// with several hosts it goes to the same member as every write (Npgsql cannot multiplex across hosts, so there it is
/// an ordinary pool).
/// </summary>
public sealed record ReadDataSource(NpgsqlDataSource DataSource) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public static ReadDataSource Create(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(VaultDatabase.Tuned(connectionString));
        if (!connectionString.Contains("multiplexing", StringComparison.OrdinalIgnoreCase) && !VaultDatabase.IsMultiHost(builder))
        {
            builder.Multiplexing = true;
        }

        return new ReadDataSource(new NpgsqlDataSourceBuilder(builder.ConnectionString) { Name = "vault-reads" }.Build());
    }
}

/// <summary>Settings of the embedded database (section <c>Vault:EmbeddedDatabase</c>).</summary>
public sealed class EmbeddedDatabaseOptions
{
    public const string Section = "Vault:EmbeddedDatabase";

    /// <summary>Where the cluster lives; default <c>{Vault:DataDirectory}/postgres</c>.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>The folder holding initdb and pg_ctl; default: found on PATH, by pg_config, or under /usr/lib/postgresql.</summary>
    public string? BinDirectory { get; set; }

    /// <summary>The port on 127.0.0.1; 0 picks a free one at each start of the vault (a restarted server keeps its port).</summary>
    public int Port { get; set; }

    /// <summary>How long to wait before starting the server again after it died; doubled while starts fail, up to 30 s.</summary>
    public TimeSpan RestartDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The database the vault uses inside the embedded server.</summary>
    public string Database { get; set; } = "customervault";
}
