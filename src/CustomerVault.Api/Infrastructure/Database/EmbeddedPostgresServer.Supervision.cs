using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace CustomerVault.Infrastructure.Database;

// The server process: launching it under its supervisor, restarting it when it died, stopping one that runs without
// its vault, and the orderly stop.
public sealed partial class EmbeddedPostgresServer
{
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
                    Interlocked.Increment(ref _restarts);
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
}
