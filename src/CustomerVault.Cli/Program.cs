using Spectre.Console;

namespace CustomerVault.Cli;

// An explicit entry point: top-level statements would declare a public Program that collides with the API's in tests.
internal static class CliEntryPoint
{
    private static Task<int> Main(string[] args)
    {
        var stdout = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Out) });
        if (Console.IsOutputRedirected)
        {
            // Piped or redirected, text and tables keep their whole width: a program reads them, not an 80-column terminal.
            stdout.Profile.Width = Unwrapped;
        }

        // Progress only for someone watching stderr on a terminal; never in a log or a pipe.
        var stderr = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            Interactive = Console.IsErrorRedirected ? InteractionSupport.No : InteractionSupport.Yes,
        });
        if (Console.IsErrorRedirected)
        {
            stderr.Profile.Width = Unwrapped;
        }

        return VaultCli.RunAsync(args, stdout, stderr, Environment.GetEnvironmentVariable);
    }

    private const int Unwrapped = 1 << 20;
}
