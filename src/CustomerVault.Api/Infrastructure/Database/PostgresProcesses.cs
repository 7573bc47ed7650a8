using System.Diagnostics;

namespace CustomerVault.Infrastructure.Database;

/// <summary>
/// Runs the PostgreSQL programs for the embedded server: the short-lived tools (initdb, pg_ctl) and the server
/// itself, under its supervisor. As root they run as the <c>postgres</c> user, because PostgreSQL refuses to run as
/// root.
/// </summary>
internal static class PostgresProcesses
{
    public const string ServiceUser = "postgres";

    [System.Runtime.Versioning.SupportedOSPlatformGuard("linux")]
    public static bool RunAsServiceUser => OperatingSystem.IsLinux() && Environment.IsPrivilegedProcess;

    /// <summary>
    /// The supervisor between the vault and its postmaster, a few lines of bash so that nothing of the vault's
    /// runtime is copied into it. It closes every descriptor it inherited except stdin, stdout and stderr, so
    /// PostgreSQL holds none of the vault's (or of whatever started the vault: a parent's lock file, a socket);
    /// stdout and stderr go to the server log; stdin is the vault's lifeline, a pipe whose only writer is the vault.
    /// End of file on it means the vault stopped or died, even by kill -9, and the supervisor asks the postmaster
    /// for a fast shutdown (SIGINT). When the postmaster exits, so does the supervisor, with the postmaster's
    /// status, which is how the vault learns that its server died.
    /// </summary>
    private const string SupervisorScript = """
        set -u
        log=$1; shift
        exec >>"$log" 2>&1 || exit 70
        for fd in /dev/fd/*; do
          fd=${fd##*/}
          case $fd in 0|1|2) ;; *) eval "exec $fd>&-" 2>/dev/null ;; esac
        done
        exec 3<&0 0</dev/null
        "$@" 3<&- &
        server=$!
        { while read -r _; do :; done; kill -INT "$server" 2>/dev/null; } <&3 &
        watcher=$!
        exec 3<&-
        trap 'kill -INT "$server" 2>/dev/null' INT TERM HUP
        wait "$server"; status=$?
        while kill -0 "$server" 2>/dev/null; do wait "$server"; status=$?; done
        kill "$watcher" 2>/dev/null
        exit "$status"
        """;

    /// <summary>
    /// Starts <paramref name="server"/> (the postgres program and its arguments) under the supervisor, in a
    /// session of its own so that a terminal's Ctrl-C reaches only the vault, which then stops the server in order.
    /// The returned process is the supervisor; keep it, since closing its standard input stops the server.
    /// </summary>
    public static Process StartSupervised(string logFile, IReadOnlyList<string> server, string workingDirectory, Action<string> onOutput)
    {
        var start = new ProcessStartInfo
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };

        // setsid (util-linux) makes the new session; where it is missing (macOS) the supervisor still stops the
        // server when the vault goes away, it only shares the vault's terminal.
        var setsid = FindOnPath("setsid");
        start.FileName = setsid ?? "bash";
        string[] supervisor = ["-c", SupervisorScript, "customervault-postgres", logFile, .. server];
        foreach (var argument in setsid is null ? supervisor : ["bash", .. supervisor])
        {
            start.ArgumentList.Add(argument);
        }

        AsServiceUser(start);
        var process = Process.Start(start) ?? throw new VaultStartupException("Could not start the PostgreSQL supervisor (bash).");
        // Only the supervisor's own complaints arrive here (before it sends everything to the server log).
        process.OutputDataReceived += (_, e) => Report(e.Data);
        process.ErrorDataReceived += (_, e) => Report(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;

        void Report(string? line)
        {
            if (!string.IsNullOrWhiteSpace(line))
            {
                onOutput(line);
            }
        }
    }

    /// <summary>Runs a PostgreSQL tool to its end; throws with its output when it fails, unless told not to.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string program, IReadOnlyList<string> arguments, string workingDirectory, CancellationToken cancellationToken,
        bool throwOnError = true, bool asServiceUser = true)
    {
        var start = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        if (asServiceUser)
        {
            AsServiceUser(start);
        }

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

    /// <summary>Whether the service user may enter <paramref name="directory"/> (and every folder above it).</summary>
    public static async Task<bool> ServiceUserCanEnterAsync(string directory, CancellationToken cancellationToken) =>
        !RunAsServiceUser || (await RunAsync("test", ["-x", directory], "/", cancellationToken, throwOnError: false)).ExitCode == 0;

    private static void AsServiceUser(ProcessStartInfo start)
    {
        if (RunAsServiceUser)
        {
            // .NET switches user, group and supplementary groups in the child before it executes the program.
            start.UserName = ServiceUser;
        }
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, program))
        .FirstOrDefault(File.Exists);
}
