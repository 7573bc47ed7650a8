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

    public VaultDatabase(IConfiguration configuration, ILogger<VaultDatabase> logger)
    {
        _configuration = configuration;
        _logger = logger;
        // The first consumer (usually the event store, while the host builds its services) waits for the server.
        // Starting it lazily rather than in StartAsync is deliberate: the host constructs every hosted service,
        // and with them the document store and its data source, before it starts any of them.
        _connectionString = new Lazy<string>(() => ConnectAsync(CancellationToken.None).GetAwaiter().GetResult());
    }

    public string ConnectionString => _connectionString.Value;

    public bool IsEmbedded => _embedded is not null;

    /// <summary>
    /// The connection settings the vault's hot paths rely on, unless the connection string sets them itself:
    /// statements used again and again are prepared once per connection (a vendor read runs the same few
    /// statements every time), and connections go back to the pool without a reset, which would drop them.
    /// The vault keeps no session state on a connection (its locks end with their transaction). Behind
    /// PgBouncer in transaction mode, set "Max Auto Prepare=0" in ConnectionStrings:Vault.
    /// </summary>
    public static string Tuned(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        var given = connectionString.ToUpperInvariant();
        if (!given.Contains("AUTO PREPARE", StringComparison.Ordinal) && !given.Contains("AUTOPREPARE", StringComparison.Ordinal))
        {
            builder.MaxAutoPrepare = 64;
            builder.AutoPrepareMinUsages = 2;
        }

        if (!given.Contains("RESET", StringComparison.Ordinal))
        {
            builder.NoResetOnClose = true;
        }

        return builder.ConnectionString;
    }

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
            _embedded = await EmbeddedPostgresServer.StartAsync(root, options.BinDirectory, options.Port, durable: true, _logger, cancellationToken);
            await _embedded.EnsureDatabaseAsync(options.Database, cancellationToken: cancellationToken);
            connectionString = _embedded.ConnectionString(options.Database).ConnectionString;
        }

        await WaitUntilReachableAsync(connectionString, cancellationToken);
        return connectionString;
    }

    private async Task WaitUntilReachableAsync(string connectionString, CancellationToken cancellationToken)
    {
        // A database that starts alongside the vault (a container, a service restarting) takes a moment.
        var pipeline = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<NpgsqlException>(e => e.IsTransient || e.InnerException is System.Net.Sockets.SocketException),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(250),
                MaxDelay = TimeSpan.FromSeconds(5),
                MaxRetryAttempts = 12,
                OnRetry = args =>
                {
                    _logger.LogWarning("The database is not reachable yet (attempt {Attempt}); retrying in {Delay}", args.AttemptNumber + 1, args.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

        try
        {
            await pipeline.ExecuteAsync(async ct =>
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(ct);
            }, cancellationToken);
        }
        catch (NpgsqlException e)
        {
            throw new VaultStartupException($"The database configured in ConnectionStrings:Vault cannot be reached: {e.Message}", e);
        }
    }
}

/// <summary>
/// A second way into the same database for the hottest read-only queries (every vendor read): multiplexed, so that
/// dozens of concurrent reads share a few connections instead of each waking its own server process. Nothing that
/// needs a transaction, a lock or COPY goes through it. Reads through it see every committed change, like any other.
/// </summary>
public sealed record ReadDataSource(NpgsqlDataSource DataSource) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public static ReadDataSource Create(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(VaultDatabase.Tuned(connectionString));
        if (!connectionString.Contains("multiplexing", StringComparison.OrdinalIgnoreCase))
        {
            builder.Multiplexing = true;
        }

        return new ReadDataSource(NpgsqlDataSource.Create(builder.ConnectionString));
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

    /// <summary>The port on 127.0.0.1; 0 picks a free one at each start.</summary>
    public int Port { get; set; }

    /// <summary>The database the vault uses inside the embedded server.</summary>
    public string Database { get; set; } = "customervault";
}
