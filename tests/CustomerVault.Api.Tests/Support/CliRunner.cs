using System.Text.Json;
using CustomerVault.Cli;
using Spectre.Console.Testing;

namespace CustomerVault.Api.Tests.Support;

/// <summary>What one run of the CLI left: its exit code, its stdout (results) and its stderr (failures, progress).</summary>
public sealed record CliRun(int Code, string Output, string Error)
{
    /// <summary>stdout as the one JSON document <c>--output json</c> promises.</summary>
    public JsonElement Json => JsonDocument.Parse(Output).RootElement;

    public override string ToString() => $"exit {Code}\nstdout:\n{Output}\nstderr:\n{Error}";
}

/// <summary>Runs the CLI in this process, with an environment of its own (nothing from the test process's).</summary>
public static class CliRunner
{
    public static async Task<CliRun> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, bool interactive = false)
    {
        var stdout = new TestConsole { Profile = { Width = 400 } };
        var stderr = new TestConsole { Profile = { Width = 400 } };
        if (interactive)
        {
            stderr.Interactive();
        }

        var code = await VaultCli.RunAsync([.. args], stdout, stderr, name => environment?.GetValueOrDefault(name));
        return new CliRun(code, stdout.Output, stderr.Output);
    }
}
