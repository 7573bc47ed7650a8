using System.Security.Cryptography;

namespace CustomerVault.Infrastructure.Database;

// The cluster itself: its first initialisation, its password, and the settings the server runs with.
public sealed partial class EmbeddedPostgresServer
{
    private async Task<string> ReadPasswordAsync(CancellationToken cancellationToken)
    {
        var passwordFile = Path.Combine(RootDirectory, "password");
        return File.Exists(passwordFile)
            ? (await File.ReadAllTextAsync(passwordFile, cancellationToken)).Trim()
            : throw new VaultStartupException(
                $"The embedded database at {DataDirectory} exists, but its password file {passwordFile} is missing. "
                + "Restore the file, or move the data folder away to start with an empty vault.");
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
}
