using System.Diagnostics;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;
using Xunit.Abstractions;

namespace CustomerVault.Api.Tests.Contract;

/// <summary>
/// The committed document passes Spectral (spectral:oas) and Redocly (recommended) with no error and no warning. The
/// linters are npm packages pinned in eng/openapi-lint (package-lock.json); the first run installs them there.
/// </summary>
public sealed class OpenApiLintTests(ITestOutputHelper output)
{
    private static readonly string LintFolder = Path.Combine(Repository.Root, "eng", "openapi-lint");
    private static readonly string Document = Path.Combine(Repository.Root, "api-specs", "customervault.v1.json");
    private static readonly SemaphoreSlim Install = new(1, 1);

    [Fact]
    public async Task Spectral_finds_nothing()
    {
        await EnsureInstalledAsync();
        var (exit, stdout) = await RunAsync(Bin("spectral"), "lint", "--ruleset", ".spectral.yaml", "--fail-severity", "hint", "--format", "json", Document);

        var problems = JsonNode.Parse(stdout[stdout.IndexOf('[', StringComparison.Ordinal)..(stdout.LastIndexOf(']') + 1)])!.AsArray();
        Assert.True(exit == 0 && problems.Count == 0,
            $"Spectral (exit {exit}): {string.Join("; ", problems.Select(p => $"{p!["code"]} at {string.Join('.', p["path"]!.AsArray())}: {p["message"]}"))}");
    }

    [Fact]
    public async Task Redocly_finds_nothing()
    {
        await EnsureInstalledAsync();
        var (exit, stdout) = await RunAsync(Bin("redocly"), "lint", "--config", "redocly.yaml", "--format", "json", Document);

        var report = JsonNode.Parse(stdout[stdout.IndexOf('{', StringComparison.Ordinal)..(stdout.LastIndexOf('}') + 1)])!;
        var problems = report["problems"]!.AsArray();
        Assert.True(exit == 0 && problems.Count == 0,
            $"Redocly (exit {exit}): {string.Join("; ", problems.Select(p => $"{p!["ruleId"]} ({p["severity"]}) at {p["location"]?[0]?["pointer"]}: {p["message"]}"))}");
    }

    private static string Bin(string tool) => Path.Combine(LintFolder, "node_modules", ".bin", tool);

    private async Task EnsureInstalledAsync()
    {
        await Install.WaitAsync();
        try
        {
            if (!File.Exists(Bin("spectral")) || !File.Exists(Bin("redocly")))
            {
                var (exit, stdout) = await RunAsync("npm", "ci", "--no-audit", "--no-fund");
                Assert.True(exit == 0, $"npm ci in {LintFolder} failed: {stdout}");
            }
        }
        finally
        {
            Install.Release();
        }
    }

    private async Task<(int Exit, string Stdout)> RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = LintFolder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        start.Environment["NO_COLOR"] = "1";
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        output.WriteLine(await stderr);
        return (process.ExitCode, await stdout);
    }
}
