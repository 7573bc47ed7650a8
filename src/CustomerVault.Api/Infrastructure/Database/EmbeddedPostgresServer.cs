using System.Diagnostics;
using System.Globalization;
using System.Net;
using Npgsql;

namespace CustomerVault.Infrastructure.Database;

/// <summary>
/// A private PostgreSQL server run from the installed binaries: the vault's default database when no
/// connection string is configured, and the test suite's throwaway server.
/// </summary>
/// <remarks>
/// <para>
/// Layout under <see cref="RootDirectory"/>: <c>data/</c> is the cluster (owned by the postgres OS user when the
/// vault runs as root, because PostgreSQL refuses to run as root), <c>password</c> holds the generated superuser
/// password (readable by the vault's own user only), <c>vault.lock</c> is held by the one process that runs the
/// server. The server listens on 127.0.0.1 only, without a Unix socket, and asks for that password (SCRAM).
/// </para>
/// <para>
/// The server is supervised: it is a child of a small supervisor (see <see cref="PostgresProcesses"/>) that
/// inherits none of the vault's descriptors and stops the server when the vault goes away, however it goes. When
/// the server dies, it is started again on the same port, so the vault's connection strings stay valid and the
/// vault serves again without a restart of its own.
/// </para>
/// </remarks>
public sealed partial class EmbeddedPostgresServer : IAsyncDisposable
{
    public const string SuperUser = "vault";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(30);

    private readonly string _binDirectory;
    private readonly ILogger _logger;
    private readonly Lock _stopLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private DataFolderLock? _ownership;
    private Process? _supervisor;
    private Task _supervision = Task.CompletedTask;
    private Task? _stopped;
    private bool _durable;
    private TimeSpan _restartDelay;
    private long _restarts;

    private EmbeddedPostgresServer(string rootDirectory, string binDirectory, ILogger logger)
    {
        RootDirectory = rootDirectory;
        _binDirectory = binDirectory;
        _logger = logger;
    }

    public string RootDirectory { get; }
    public string DataDirectory => Path.Combine(RootDirectory, "data");
    public string LogFile => Path.Combine(DataDirectory, "server.log");
    public int Port { get; private set; }
    private string Password { get; set; } = "";

    /// <summary>How many times the server was started again after it died.</summary>
    public long Restarts => Interlocked.Read(ref _restarts);

    /// <summary>Whether this process runs the server (rather than using the one another process runs).</summary>
    public bool OwnsServer => _ownership is not null;

    /// <summary>
    /// Initialises the cluster on first use and starts the server, supervised. Fails with a clear message when
    /// another process already runs a server on this folder: two vaults never share one embedded database.
    /// </summary>
    /// <param name="durable">False for throwaway test servers: no fsync, no full-page writes.</param>
    /// <param name="restartDelay">How long to wait before starting the server again after it died; doubles while starts fail.</param>
    /// <param name="mayRelocate">
    /// As root: when the postgres user cannot enter the folder above <paramref name="rootDirectory"/> (root's own
    /// home, say), the cluster is kept under <see cref="ClusterPlacement.SharedClustersDirectory"/> instead, in a folder named after
    /// <paramref name="rootDirectory"/>, which becomes a link to it. False: such a folder is refused.
    /// </param>
    public static async Task<EmbeddedPostgresServer> StartAsync(
        string rootDirectory, string? binDirectory, int port, bool durable, ILogger logger, CancellationToken cancellationToken,
        TimeSpan? restartDelay = null, bool mayRelocate = false)
    {
        var bin = PostgresBinaries.Locate(binDirectory);
        var root = await ClusterPlacement.PlaceAsync(Path.GetFullPath(rootDirectory), mayRelocate, logger, cancellationToken);
        var server = new EmbeddedPostgresServer(root, bin, logger);
        server._ownership = DataFolderLock.Take(root);
        try
        {
            await server.StartAsync(port, durable, restartDelay ?? TimeSpan.FromSeconds(1), cancellationToken);
            return server;
        }
        catch
        {
            await server.StopAsync();
            throw;
        }
    }

    /// <summary>
    /// For tools beside a vault (the CLI): uses the server of the vault that runs on this folder, or, when none
    /// does, starts one of its own, stopped again on <see cref="StopAsync"/>.
    /// </summary>
    public static async Task<EmbeddedPostgresServer> AttachOrStartAsync(
        string rootDirectory, string? binDirectory, ILogger logger, CancellationToken cancellationToken)
    {
        var root = ClusterPlacement.LinkedFolder(Path.GetFullPath(rootDirectory)) ?? Path.GetFullPath(rootDirectory);
        var server = new EmbeddedPostgresServer(root, PostgresBinaries.Locate(binDirectory), logger);
        if (DataFolderLock.TryTake(root) is { } ownership)
        {
            server._ownership = ownership;
            try
            {
                await server.StartAsync(port: 0, durable: true, TimeSpan.FromSeconds(1), cancellationToken);
                return server;
            }
            catch
            {
                await server.StopAsync();
                throw;
            }
        }

        server.Password = await server.ReadPasswordAsync(cancellationToken);
        server.Port = server.RunningPostmaster() is not null && server.ReadPidFileLine(3) is { } port
            ? int.Parse(port, NumberStyles.None, CultureInfo.InvariantCulture)
            : throw new VaultStartupException($"The vault that runs the database in {root} is restarting it. Try again in a moment.");
        return server;
    }

    public NpgsqlConnectionStringBuilder ConnectionString(string database) => new()
    {
        Host = IPAddress.Loopback.ToString(),
        Port = Port,
        Username = SuperUser,
        Password = Password,
        Database = database,
    };

    /// <summary>Creates the database unless it exists, optionally as a copy of a template database.</summary>
    public async Task EnsureDatabaseAsync(string name, string? template = null, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(ConnectionString("postgres").ConnectionString);
        await connection.OpenAsync(cancellationToken);

        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection)
        {
            Parameters = { new() { Value = name } },
        };
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
        {
            return;
        }

        var sql = $"CREATE DATABASE {Quote(name)}" + (template is null ? "" : $" TEMPLATE {Quote(template)}");
        await using var create = new NpgsqlCommand(sql, connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Another node created it between the check and the CREATE.
        }
    }

    /// <summary>The postmaster's process id while a server runs on the data folder, whoever started it.</summary>
    public int? RunningPostmaster()
    {
        if (ReadPidFileLine(0) is not { } line || !int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            return null;
        }

        try
        {
            // The file outlives a killed server, and its process id may since belong to something else.
            using var process = Process.GetProcessById(pid);
            return !process.HasExited && process.ProcessName == "postgres" ? pid : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Stops the server if this instance runs it; every caller waits for the same stop.</summary>
    public Task StopAsync()
    {
        lock (_stopLock)
        {
            return _stopped ??= OwnsServer ? StopServerAsync() : Task.CompletedTask;
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private string PgCtl => Path.Combine(_binDirectory, "pg_ctl");

    private async Task StartAsync(int port, bool durable, TimeSpan restartDelay, CancellationToken cancellationToken)
    {
        var passwordFile = Path.Combine(RootDirectory, "password");
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            await InitializeClusterAsync(passwordFile, cancellationToken);
        }

        Password = await ReadPasswordAsync(cancellationToken);
        await StopStrayServerAsync(cancellationToken);

        Port = port > 0 ? port : FreePort();
        _durable = durable;
        _restartDelay = restartDelay;
        await LaunchAsync(cancellationToken);
        _logger.LogInformation("Started the embedded PostgreSQL server on 127.0.0.1:{Port} ({DataDirectory})", Port, DataDirectory);
        _supervision = SuperviseAsync(_stopping.Token);
    }

    private string? ReadPidFileLine(int index)
    {
        // postmaster.pid: the process id, the data folder, the start time, the port, ...
        try
        {
            var lines = File.ReadAllLines(Path.Combine(DataDirectory, "postmaster.pid"));
            return lines.Length > index ? lines[index].Trim() : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
