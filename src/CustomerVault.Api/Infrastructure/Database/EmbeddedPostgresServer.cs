using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Npgsql;

namespace CustomerVault.Infrastructure.Database;

/// <summary>
/// A private PostgreSQL server run from the installed binaries: the vault's default database when no
/// connection string is configured, and the test suite's throwaway server.
/// </summary>
/// <remarks>
/// Layout under <see cref="RootDirectory"/>: <c>data/</c> is the cluster (owned by the postgres OS user
/// when the vault runs as root, because PostgreSQL refuses to run as root), <c>password</c> holds the
/// generated superuser password (readable by the vault's own user only). The server listens on
/// 127.0.0.1 only, without a Unix socket, and asks for that password (SCRAM).
/// </remarks>
public sealed class EmbeddedPostgresServer : IAsyncDisposable
{
    public const string SuperUser = "vault";

    private readonly string _binDirectory;
    private readonly ILogger _logger;
    private readonly Lock _stopLock = new();
    private bool _ownsProcess;
    private Task? _stopped;

    private EmbeddedPostgresServer(string rootDirectory, string binDirectory, ILogger logger)
    {
        RootDirectory = rootDirectory;
        _binDirectory = binDirectory;
        _logger = logger;
    }

    public string RootDirectory { get; }
    public string DataDirectory => Path.Combine(RootDirectory, "data");
    public int Port { get; private set; }
    private string Password { get; set; } = "";

    [System.Runtime.Versioning.SupportedOSPlatformGuard("linux")]
    private static bool RunAsPostgresUser => OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess;

    /// <summary>
    /// Initialises the cluster on first use and starts the server, or attaches to the one already
    /// running on this data folder (a second vault node on the same machine).
    /// </summary>
    /// <param name="durable">False for throwaway test servers: no fsync, no full-page writes.</param>
    public static async Task<EmbeddedPostgresServer> StartAsync(
        string rootDirectory, string? binDirectory, int port, bool durable, ILogger logger, CancellationToken cancellationToken)
    {
        var server = new EmbeddedPostgresServer(Path.GetFullPath(rootDirectory), PostgresBinaries.Locate(binDirectory), logger);
        await server.StartAsync(port, durable, cancellationToken);
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

    /// <summary>Stops the server if this instance started it; every caller waits for the same stop.</summary>
    public Task StopAsync()
    {
        lock (_stopLock)
        {
            return _stopped ??= _ownsProcess ? StopServerAsync() : Task.CompletedTask;
        }
    }

    private async Task StopServerAsync()
    {
        await RunAsync(PgCtl, ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "60"], CancellationToken.None);
        _logger.LogInformation("Stopped the embedded PostgreSQL server on port {Port}", Port);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private string PgCtl => Path.Combine(_binDirectory, "pg_ctl");

    private async Task StartAsync(int port, bool durable, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(RootDirectory);
        if (RunAsPostgresUser)
        {
            // The postgres user must be able to walk through the root folder to its data folder.
            File.SetUnixFileMode(RootDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                                | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                                                | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        var passwordFile = Path.Combine(RootDirectory, "password");
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
        {
            await InitializeClusterAsync(passwordFile, cancellationToken);
        }

        Password = File.Exists(passwordFile)
            ? (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim()
            : throw new VaultStartupException(
                $"The embedded database at {DataDirectory} exists, but its password file {passwordFile} is missing. "
                + "Restore the file, or move the data folder away to start with an empty vault.");

        var running = await RunAsync(PgCtl, ["status", "-D", DataDirectory], cancellationToken, throwOnError: false);
        if (running.ExitCode == 0 && ReadRunningPort() is { } runningPort)
        {
            Port = runningPort;
            _logger.LogInformation("Using the embedded PostgreSQL server already running on port {Port} ({DataDirectory})", Port, DataDirectory);
            return;
        }

        Port = port > 0 ? port : FreePort();
        var serverOptions = string.Join(' ', ServerSettings(durable).Select(s => $"-c {s}"));
        await RunAsync(PgCtl,
            ["start", "-D", DataDirectory, "-w", "-t", "60", "-l", Path.Combine(DataDirectory, "server.log"), "-o", $"-p {Port} {serverOptions}"],
            cancellationToken);
        _ownsProcess = true;
        _logger.LogInformation("Started the embedded PostgreSQL server on 127.0.0.1:{Port} ({DataDirectory})", Port, DataDirectory);
    }

    private static IEnumerable<string> ServerSettings(bool durable)
    {
        yield return "listen_addresses=127.0.0.1";
        yield return "unix_socket_directories=''";
        yield return "max_connections=300";
        if (!durable)
        {
            yield return "fsync=off";
            yield return "synchronous_commit=off";
            yield return "full_page_writes=off";
        }
    }

    private async Task InitializeClusterAsync(string passwordFile, CancellationToken cancellationToken)
    {
        if (Directory.Exists(DataDirectory) && Directory.EnumerateFileSystemEntries(DataDirectory).Any())
        {
            throw new VaultStartupException(
                $"{DataDirectory} is not empty but holds no PostgreSQL cluster. Empty it, or set Vault:DataDirectory to another folder.");
        }

        var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
        await File.WriteAllTextAsync(passwordFile, password, cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(passwordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        var initDirectory = Path.Combine(RootDirectory, "initdb");
        if (RunAsPostgresUser)
        {
            // Only root and the postgres user may enter either folder: the data, and the one that briefly holds the password for initdb.
            await RunAsync("install", ["-d", "-o", "postgres", "-g", "postgres", "-m", "700", DataDirectory], cancellationToken, asPostgres: false);
            await RunAsync("install", ["-d", "-o", "postgres", "-g", "postgres", "-m", "700", initDirectory], cancellationToken, asPostgres: false);
        }
        else if (!OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(initDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        else
        {
            Directory.CreateDirectory(initDirectory);
        }

        var initPasswordFile = Path.Combine(initDirectory, "password");
        await File.WriteAllTextAsync(initPasswordFile, password, cancellationToken);
        try
        {
            _logger.LogInformation("Creating the embedded PostgreSQL cluster in {DataDirectory}", DataDirectory);
            await RunAsync(Path.Combine(_binDirectory, "initdb"),
                ["-D", DataDirectory, "-U", SuperUser, $"--pwfile={initPasswordFile}", "-E", "UTF8", "--no-locale",
                 "--auth-host=scram-sha-256", "--auth-local=scram-sha-256"],
                cancellationToken);
        }
        finally
        {
            Directory.Delete(initDirectory, recursive: true);
        }
    }

    private int? ReadRunningPort()
    {
        // postmaster.pid: line 4 is the port the running server listens on.
        var pidFile = Path.Combine(DataDirectory, "postmaster.pid");
        try
        {
            var lines = File.ReadAllLines(pidFile);
            return lines.Length > 3 && int.TryParse(lines[3], NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task<(int ExitCode, string Output)> RunAsync(
        string program, IReadOnlyList<string> arguments, CancellationToken cancellationToken,
        bool throwOnError = true, bool asPostgres = true)
    {
        var start = new ProcessStartInfo
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        if (asPostgres && RunAsPostgresUser)
        {
            start.FileName = "runuser";
            foreach (var a in (string[])["-u", "postgres", "--", program])
            {
                start.ArgumentList.Add(a);
            }
        }
        else
        {
            start.FileName = program;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // pg_ctl start leaves the server running with our stdout/stderr pipes inherited unless they are
        // redirected away; the log file (-l) takes its output, and we only read until pg_ctl exits.
        using var process = Process.Start(start) ?? throw new VaultStartupException($"Could not start {program}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var output = (await stdout + await stderr).Trim();

        if (throwOnError && process.ExitCode != 0)
        {
            throw new VaultStartupException(
                $"'{Path.GetFileName(program)} {string.Join(' ', arguments)}' failed with exit code {process.ExitCode}: {output}");
        }

        return (process.ExitCode, output);
    }
}
