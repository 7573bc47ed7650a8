namespace CustomerVault.Cli;

/// <summary>What the process exit code says, for scripts that run the CLI.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The command ran, and found the history broken (a chain or a checkpoint does not verify).</summary>
    public const int VerificationFailed = 1;

    /// <summary>The command line is not valid.</summary>
    public const int Usage = 2;

    /// <summary>The vault's database or API cannot be reached, or what answers is not a vault.</summary>
    public const int DatabaseUnavailable = 3;

    /// <summary>The customer (or vendor) named is not in the vault.</summary>
    public const int NotFound = 4;

    /// <summary>The re-wrap ran, but some keys are still under an older master key (a node sealed with it meanwhile): run it again.</summary>
    public const int Incomplete = 5;

    /// <summary>A master key the command needs is not configured.</summary>
    public const int KeysUnavailable = 6;

    /// <summary>The vault refused the credentials (401), or they are not the kind the command needs (403).</summary>
    public const int AccessDenied = 7;
}

/// <summary>A failure the CLI reports in one line, with its exit code.</summary>
public sealed class CliException(int exitCode, string message, Exception? inner = null) : Exception(message, inner)
{
    public int ExitCode { get; } = exitCode;
}
