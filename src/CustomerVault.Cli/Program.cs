using Spectre.Console;

namespace CustomerVault.Cli;

// An explicit entry point: top-level statements would declare a public Program that collides with the API's in tests.
internal static class CliEntryPoint
{
    private static Task<int> Main(string[] args) => VaultCli.RunAsync(args, AnsiConsole.Console, Environment.GetEnvironmentVariable);
}
