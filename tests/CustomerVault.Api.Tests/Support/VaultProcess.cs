using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace CustomerVault.Api.Tests.Support;

/// <summary>
/// The built vault as a process of its own, started the way an operator starts it: no connection string, so it runs
/// its embedded PostgreSQL, under a HOME of its own (Development keys included). For what an in-process host cannot
/// show: what its children inherit, where its data goes, what a kill -9 leaves behind. Its parent leaves a file open
/// to it (as a shell script's <c>exec 9&gt;&gt;file</c> would), which nothing the vault starts may hold.
/// </summary>
public sealed class VaultProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output;

    private VaultProcess(Process process, StringBuilder output, string home, string inheritedFile, Uri url)
    {
        _process = process;
        _output = output;
        Home = home;
        InheritedFile = inheritedFile;
        Url = url;
    }

    public string Home { get; }
    public string InheritedFile { get; }
    public Uri Url { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;

    /// <summary>Where the vault keeps its embedded database: under HOME, or where the link there points.</summary>
    public string DatabaseFolder
    {
        get
        {
            var root = new DirectoryInfo(Path.Combine(Home, ".local", "share", "customervault", "postgres"));
            return root.LinkTarget is null ? root.FullName : root.ResolveLinkTarget(returnFinalTarget: true)!.FullName;
        }
    }

    /// <summary>Everything the vault wrote to stdout and stderr so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts a vault (with these settings, if given, as environment variables) and waits until /health/ready answers 200.</summary>
    public static async Task<VaultProcess> StartAsync(string home, IReadOnlyDictionary<string, string>? environment = null)
    {
        var vault = Start(home, environment);
        using var client = new HttpClient { BaseAddress = vault.Url, Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.HoldsAsync(async () =>
        {
            Assert.False(vault.HasExited, $"The vault exited with {(vault.HasExited ? vault._process.ExitCode : 0)}: {vault.Output}");
            try
            {
                return (await client.GetAsync("/health/ready")).StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, () => $"The vault was not ready within 90 s: {vault.Output}", TimeSpan.FromSeconds(90));
        return vault;
    }

    /// <summary>Starts a vault that is expected to refuse to start; returns its exit code and what it wrote to stderr.</summary>
    public static async Task<(int ExitCode, string Error)> RunUntilExitAsync(string home)
    {
        await using var vault = Start(home);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await vault._process.WaitForExitAsync(timeout.Token);
        await vault._process.WaitForExitAsync(); // the output, to its end
        return (vault._process.ExitCode, vault.Output);
    }

    /// <summary>kill -9: the vault gets no chance to stop anything.</summary>
    public void KillHard() => _process.Kill();

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM, as a service manager sends it: the vault stops its database in order.
            using (var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!)
            {
                await term.WaitForExitAsync();
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
    }

    private static VaultProcess Start(string home, IReadOnlyDictionary<string, string>? environment = null)
    {
        Directory.CreateDirectory(home);
        var inheritedFile = Path.Combine(home, "parent.lock");
        var url = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo("bash")
        {
            // The vault's lifeline: a watcher holds the read end of a pipe only this test host writes to, and sends the
            // vault SIGTERM at its end of file, so a test host killed mid-run leaves no vault (and, through the vault's
            // own lifeline, no PostgreSQL) behind. The watcher keeps neither the inherited file nor the output pipes.
            ArgumentList =
            {
                "-c",
                "exec 9>>\"$0\" 3<&0; { read -r _ <&3; kill -TERM $$; } 9>&- >/dev/null 2>&1 & exec \"$@\" 3<&- </dev/null",
                inheritedFile, "dotnet", typeof(Program).Assembly.Location,
            },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
            Environment =
            {
                ["HOME"] = home,
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = url.ToString(),
                ["ConnectionStrings__Vault"] = "",
                ["Logging__LogLevel__Default"] = "Warning",
            },
        };
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        start.Environment.Remove("XDG_DATA_HOME");
        start.Environment.Remove("Vault__DataDirectory");

        var output = new StringBuilder();
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new VaultProcess(process, output, home, inheritedFile, url);

        void Append(string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>What /proc tells of a running process (Linux).</summary>
public static class ProcFs
{
    /// <summary>What each open descriptor of the process refers to: a path, or pipe:[inode], socket:[inode], ...</summary>
    public static IReadOnlyDictionary<int, string> Descriptors(int pid) =>
        Directory.GetFiles($"/proc/{pid}/fd").ToDictionary(
            fd => int.Parse(Path.GetFileName(fd), System.Globalization.CultureInfo.InvariantCulture),
            fd => new FileInfo(fd).LinkTarget ?? "");

    public static IReadOnlyList<string> CommandLine(int pid) =>
        File.ReadAllText($"/proc/{pid}/cmdline").Split('\0', StringSplitOptions.RemoveEmptyEntries);

    public static bool IsRunning(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Processes whose command line mentions <paramref name="text"/>.</summary>
    public static IReadOnlyList<int> Mentioning(string text) =>
        Directory.GetDirectories("/proc")
            .Select(d => int.TryParse(Path.GetFileName(d), out var pid) ? pid : 0)
            .Where(pid => pid > 0)
            .Where(pid =>
            {
                try
                {
                    return File.ReadAllText($"/proc/{pid}/cmdline").Contains(text, StringComparison.Ordinal);
                }
                catch (IOException)
                {
                    return false;
                }
                catch (UnauthorizedAccessException)
                {
                    return false;
                }
            })
            .ToList();
}
