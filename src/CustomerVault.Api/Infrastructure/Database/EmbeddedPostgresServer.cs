using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
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
public sealed class EmbeddedPostgresServer : IAsyncDisposable
{
    public const string SuperUser = "vault";

    /// <summary>Where clusters go, as root, when the postgres user cannot enter the vault's data folder.</summary>
    public const string SharedClustersDirectory = "/var/lib/customervault/clusters";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxRestartDelay = TimeSpan.FromSeconds(30);

    private readonly string _binDirectory;
    private readonly ILogger _logger;
    private readonly Lock _stopLock = new();
    private readonly CancellationTokenSource _stopping = new();
    private FileStream? _ownership;
    private Process? _supervisor;
    private Task _supervision = Task.CompletedTask;
    private Task? _stopped;
    private bool _durable;
    private TimeSpan _restartDelay;

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
    /// home, say), the cluster is kept under <see cref="SharedClustersDirectory"/> instead, in a folder named after
    /// <paramref name="rootDirectory"/>, which becomes a link to it. False: such a folder is refused.
    /// </param>
    public static async Task<EmbeddedPostgresServer> StartAsync(
        string rootDirectory, string? binDirectory, int port, bool durable, ILogger logger, CancellationToken cancellationToken,
        TimeSpan? restartDelay = null, bool mayRelocate = false)
    {
        var bin = PostgresBinaries.Locate(binDirectory);
        var root = await PlaceAsync(Path.GetFullPath(rootDirectory), mayRelocate, logger, cancellationToken);
        var server = new EmbeddedPostgresServer(root, bin, logger);
        server.TakeOwnership();
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
        var root = LinkedFolder(Path.GetFullPath(rootDirectory)) ?? Path.GetFullPath(rootDirectory);
        var server = new EmbeddedPostgresServer(root, PostgresBinaries.Locate(binDirectory), logger);
        if (server.TryTakeOwnership())
        {
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

    private async Task<string> ReadPasswordAsync(CancellationToken cancellationToken)
    {
        var passwordFile = Path.Combine(RootDirectory, "password");
        return File.Exists(passwordFile)
            ? (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim()
            : throw new VaultStartupException(
                $"The embedded database at {DataDirectory} exists, but its password file {passwordFile} is missing. "
                + "Restore the file, or move the data folder away to start with an empty vault.");
    }

    /// <summary>Starts the server under a new supervisor and waits until it accepts connections.</summary>
    private async Task LaunchAsync(CancellationToken cancellationToken)
    {
        string[] server =
        [
            Path.Combine(_binDirectory, "postgres"), "-D", DataDirectory, "-p", Port.ToString(CultureInfo.InvariantCulture),
            .. ServerSettings(_durable).SelectMany(s => new[] { "-c", s }),
        ];
        var supervisor = PostgresProcesses.StartSupervised(LogFile, server, RootDirectory,
            line => _logger.LogWarning("PostgreSQL supervisor: {Line}", line));
        _supervisor = supervisor;
        try
        {
            await WaitUntilAcceptingAsync(supervisor, cancellationToken);
        }
        catch
        {
            _supervisor = null;
            await ShutDownAsync(supervisor);
            throw;
        }
    }

    private async Task WaitUntilAcceptingAsync(Process supervisor, CancellationToken cancellationToken)
    {
        var probe = ConnectionString("postgres");
        probe.Pooling = false;
        probe.Timeout = 5;
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (supervisor.HasExited)
            {
                throw new VaultStartupException(
                    $"PostgreSQL stopped while starting (exit code {supervisor.ExitCode}). The end of its log, {LogFile}:{Environment.NewLine}{LogTail()}");
            }

            try
            {
                await using var connection = new NpgsqlConnection(probe.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException e) when (e is not PostgresException || ((PostgresException)e).SqlState == PostgresErrorCodes.CannotConnectNow)
            {
                if (deadline.Elapsed > StartTimeout)
                {
                    throw new VaultStartupException(
                        $"PostgreSQL did not accept connections within {StartTimeout.TotalSeconds} s. The end of its log, {LogFile}:{Environment.NewLine}{LogTail()}");
                }
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Waits for the server to die and starts it again, until the vault stops.</summary>
    private async Task SuperviseAsync(CancellationToken stopping)
    {
        var delay = _restartDelay;
        while (true)
        {
            var supervisor = _supervisor!;
            var runningSince = Stopwatch.StartNew();
            try
            {
                await supervisor.WaitForExitAsync(stopping);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            if (runningSince.Elapsed > TimeSpan.FromMinutes(1))
            {
                delay = _restartDelay;
            }

            _logger.LogError("The embedded PostgreSQL server stopped unexpectedly (exit code {ExitCode}); starting it again in {Delay}. Its log: {LogFile}",
                supervisor.ExitCode, delay, LogFile);
            _supervisor = null;
            supervisor.Dispose();
            while (true)
            {
                try
                {
                    await Task.Delay(delay, stopping);
                    var restart = Stopwatch.StartNew();
                    await StopStrayServerAsync(stopping);
                    await LaunchAsync(stopping);
                    _logger.LogWarning("Started the embedded PostgreSQL server again on port {Port} ({Elapsed} ms)", Port, restart.ElapsedMilliseconds);
                    break;
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // Typically the killed server's backends still hold its shared memory for a moment.
                    delay = delay * 2 < MaxRestartDelay ? delay * 2 : MaxRestartDelay;
                    _logger.LogError("Could not start the embedded PostgreSQL server again ({Reason}); trying again in {Delay}", e.Message, delay);
                }
            }
        }
    }

    private async Task StopServerAsync()
    {
        await _stopping.CancelAsync();
        await _supervision;
        if (_supervisor is { } supervisor)
        {
            _supervisor = null;
            await ShutDownAsync(supervisor);
            _logger.LogInformation("Stopped the embedded PostgreSQL server on port {Port}", Port);
        }

        _ownership?.Dispose();
        _ownership = null;
        _stopping.Dispose();
    }

    /// <summary>Ends the lifeline, so the supervisor asks for a fast shutdown, and waits for both to exit.</summary>
    private async Task ShutDownAsync(Process supervisor)
    {
        try
        {
            if (!supervisor.HasExited)
            {
                supervisor.StandardInput.Close();
                using var timeout = new CancellationTokenSource(StartTimeout);
                try
                {
                    await supervisor.WaitForExitAsync(timeout.Token);
                }
                catch (OperationCanceledException)
                {
                    _logger.LogWarning("The embedded PostgreSQL server did not stop within {Timeout}; stopping it immediately", StartTimeout);
                    await PostgresProcesses.RunAsync(PgCtl, ["stop", "-D", DataDirectory, "-m", "immediate", "-w"], RootDirectory,
                        CancellationToken.None, throwOnError: false);
                }
            }
        }
        finally
        {
            supervisor.Dispose();
        }
    }

    /// <summary>
    /// Stops a server left running on the data folder by a process that no longer owns it: one started by an
    /// earlier version of the vault, or orphaned because its supervisor was killed. Only the owner (this process,
    /// which holds the lock) gets here, so it is nobody's server.
    /// </summary>
    private async Task StopStrayServerAsync(CancellationToken cancellationToken)
    {
        if (RunningPostmaster() is not { } pid)
        {
            return;
        }

        _logger.LogWarning("A PostgreSQL server (process {Pid}) runs on {DataDirectory} without its vault; stopping it", pid, DataDirectory);
        var fast = await PostgresProcesses.RunAsync(PgCtl, ["stop", "-D", DataDirectory, "-m", "fast", "-w", "-t", "30"], RootDirectory,
            cancellationToken, throwOnError: false);
        if (fast.ExitCode != 0)
        {
            await PostgresProcesses.RunAsync(PgCtl, ["stop", "-D", DataDirectory, "-m", "immediate", "-w"], RootDirectory, cancellationToken);
        }
    }

    private static IEnumerable<string> ServerSettings(bool durable)
    {
        yield return "listen_addresses=127.0.0.1";
        yield return "unix_socket_directories=";
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
        if (PostgresProcesses.RunAsServiceUser)
        {
            // Only root and the postgres user may enter either folder: the data, and the one that briefly holds the password for initdb.
            foreach (var directory in new[] { DataDirectory, initDirectory })
            {
                await PostgresProcesses.RunAsync("install", ["-d", "-o", PostgresProcesses.ServiceUser, "-g", PostgresProcesses.ServiceUser, "-m", "700", directory],
                    RootDirectory, cancellationToken, asServiceUser: false);
            }
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
            await PostgresProcesses.RunAsync(Path.Combine(_binDirectory, "initdb"),
                ["-D", DataDirectory, "-U", SuperUser, $"--pwfile={initPasswordFile}", "-E", "UTF8", "--no-locale",
                 "--auth-host=scram-sha-256", "--auth-local=scram-sha-256"],
                RootDirectory, cancellationToken);
        }
        finally
        {
            Directory.Delete(initDirectory, recursive: true);
        }
    }

    /// <summary>
    /// Chooses where the cluster lives. As root the server runs as the postgres user, which must be able to enter
    /// the folder; root's own home (mode 700) is the usual case where it cannot. Rather than opening someone's home
    /// to it, the cluster then lives under <see cref="SharedClustersDirectory"/>, one folder per vault data folder,
    /// and the vault's own folder links to it, so each user (each HOME) still has a database of its own.
    /// </summary>
    private static async Task<string> PlaceAsync(string root, bool mayRelocate, ILogger logger, CancellationToken cancellationToken)
    {
        if (LinkedFolder(root) is { } placedEarlier)
        {
            return PrepareRoot(placedEarlier);
        }

        if (!PostgresProcesses.RunAsServiceUser)
        {
            return PrepareRoot(root);
        }

        var parent = Path.GetDirectoryName(root)!;
        Directory.CreateDirectory(parent);
        if (await PostgresProcesses.ServiceUserCanEnterAsync(parent, cancellationToken))
        {
            return PrepareRoot(root);
        }

        var refusal = $"The embedded PostgreSQL server runs as the '{PostgresProcesses.ServiceUser}' user, which cannot enter {parent}. "
                      + "Set Vault:EmbeddedDatabase:DataDirectory to a folder it can enter, or let it through (e.g. 'chmod o+x' on the folders above).";
        if (!mayRelocate)
        {
            throw new VaultStartupException(refusal);
        }

        if (Directory.Exists(root))
        {
            if (Directory.EnumerateFileSystemEntries(root).Any())
            {
                throw new VaultStartupException($"{root} is not empty. {refusal}");
            }

            Directory.Delete(root);
        }

        var name = root.Trim('/').Replace('/', '-');
        name = (name.Length > 80 ? name[^80..] : name) + "-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(root)))[..8];
        var placed = Path.Combine(SharedClustersDirectory, name);
        foreach (var directory in new[] { Path.GetDirectoryName(SharedClustersDirectory)!, SharedClustersDirectory, placed })
        {
            PrepareRoot(directory);
        }

        Directory.CreateSymbolicLink(root, placed);
        logger.LogInformation("The postgres user cannot enter {Parent}, so the embedded database lives in {Placed}, linked from {Root}", parent, placed, root);
        return placed;
    }

    private static string? LinkedFolder(string path) =>
        new DirectoryInfo(path) is { LinkTarget: not null } link ? link.ResolveLinkTarget(returnFinalTarget: true)!.FullName : null;

    private static string PrepareRoot(string directory)
    {
        Directory.CreateDirectory(directory);
        if (PostgresProcesses.RunAsServiceUser)
        {
            // The postgres user must be able to walk through the root folder to its data folder.
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                                            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        return directory;
    }

    private void TakeOwnership()
    {
        if (!TryTakeOwnership())
        {
            throw new VaultStartupException(
                $"Another vault (or a customervault command) is running the embedded database in {RootDirectory}; "
                + "two vaults cannot share one. Give this one its own data folder (Vault:DataDirectory, or another HOME), "
                + "or run every node against one PostgreSQL server with ConnectionStrings:Vault. "
                + $"{Path.Combine(RootDirectory, "vault.lock")} holds the process id of the owner.");
        }
    }

    /// <summary>
    /// Takes an exclusive advisory lock (flock) on <c>vault.lock</c>, held for as long as this process runs the
    /// server. The kernel releases it when the process dies, however it dies, so a stale lock cannot exist.
    /// </summary>
    private bool TryTakeOwnership()
    {
        Directory.CreateDirectory(RootDirectory);
        var path = Path.Combine(RootDirectory, "vault.lock");
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        }
        catch (IOException)
        {
            // .NET's own advisory lock (a shared one, taken on open) met the owner's exclusive lock.
            return false;
        }

        if (!OperatingSystem.IsWindows() && Flock(file.SafeFileHandle.DangerousGetHandle().ToInt32(), LockExclusive | LockNonBlocking) != 0)
        {
            file.Dispose();
            return false;
        }

        file.SetLength(0);
        file.Write(Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
        file.Flush();
        _ownership = file;
        return true;
    }

    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static extern int Flock(int fd, int operation);

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

    private string LogTail()
    {
        try
        {
            return string.Join(Environment.NewLine, File.ReadLines(LogFile).TakeLast(5));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "(unreadable)";
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
