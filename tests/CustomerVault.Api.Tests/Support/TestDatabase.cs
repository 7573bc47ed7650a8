using System.Diagnostics;
using CustomerVault.Infrastructure.Database;
using Microsoft.Extensions.Logging.Abstractions;

namespace CustomerVault.Api.Tests.Support;

/// <summary>
/// One throwaway PostgreSQL server per test run (the vault's own embedded server, without fsync), and an
/// isolated database per test class. Stopped and deleted when the test process exits.
/// </summary>
public static class TestDatabase
{
    private const string Prefix = "customervault-tests-";
    private static readonly Lazy<Task<EmbeddedPostgresServer>> Server = new(StartAsync);

    public static string RunDirectory { get; } = Path.Combine(Path.GetTempPath(), $"{Prefix}{Environment.ProcessId}");

    /// <summary>Where the run's development keys live: shared by every test class, generated once.</summary>
    public static string DataDirectory => Path.Combine(RunDirectory, "vault");

    public static async Task<string> CreateDatabaseAsync(string name)
    {
        var server = await Server.Value;
        await server.EnsureDatabaseAsync(name);
        return server.ConnectionString(name).ConnectionString;
    }

    public static async Task<EmbeddedPostgresServer> ServerAsync() => await Server.Value;

    private static async Task<EmbeddedPostgresServer> StartAsync()
    {
        RemoveLeftoversOfDeadRuns();
        var server = await EmbeddedPostgresServer.StartAsync(Path.Combine(RunDirectory, "postgres"), null, 0, durable: false, NullLogger.Instance, CancellationToken.None);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            server.StopAsync().GetAwaiter().GetResult();
            TryDelete(RunDirectory);
        };
        return server;
    }

    // A run that was killed leaves its server running and its folder behind; the next run cleans up.
    private static void RemoveLeftoversOfDeadRuns()
    {
        foreach (var directory in Directory.GetDirectories(Path.GetTempPath(), Prefix + "*"))
        {
            if (int.TryParse(Path.GetFileName(directory)[Prefix.Length..], out var pid) && !IsRunning(pid))
            {
                var data = Path.Combine(directory, "postgres", "data");
                if (File.Exists(Path.Combine(data, "postmaster.pid")))
                {
                    StopServer(data);
                }

                TryDelete(directory);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            return !Process.GetProcessById(pid).HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static void StopServer(string data)
    {
        var pidLine = File.ReadLines(Path.Combine(data, "postmaster.pid")).FirstOrDefault();
        if (int.TryParse(pidLine, out var postmaster) && IsRunning(postmaster))
        {
            Process.GetProcessById(postmaster).Kill();
        }
    }

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
