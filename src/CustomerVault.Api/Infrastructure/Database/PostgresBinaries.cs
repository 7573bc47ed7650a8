using System.Diagnostics;

namespace CustomerVault.Infrastructure.Database;

/// <summary>Finds the installed PostgreSQL server programs (initdb, pg_ctl).</summary>
public static class PostgresBinaries
{
    public static string Locate(string? configured) => Locate(configured, Candidates());

    internal static string Locate(string? configured, IEnumerable<string> candidates)
    {
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return HasServerPrograms(configured)
                ? configured
                : throw new VaultStartupException(
                    $"Vault:EmbeddedDatabase:BinDirectory is '{configured}', but initdb and pg_ctl are not both there.");
        }

        var found = candidates.FirstOrDefault(HasServerPrograms);
        return found ?? throw new VaultStartupException(
            "No database is configured and no PostgreSQL server programs (initdb, pg_ctl) were found on PATH, "
            + "through 'pg_config --bindir' or under /usr/lib/postgresql/*/bin. Either install PostgreSQL "
            + "(Debian/Ubuntu: 'apt-get install -y postgresql'; macOS: 'brew install postgresql'), "
            + "or set Vault:EmbeddedDatabase:BinDirectory to the folder that holds initdb and pg_ctl, "
            + "or set ConnectionStrings:Vault to use an existing PostgreSQL server.");
    }

    private static IEnumerable<string> Candidates()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            // Symlinks such as /usr/local/bin/initdb point into the versioned folder that also holds postgres itself.
            var initdb = Path.Combine(dir, "initdb");
            if (File.Exists(initdb))
            {
                var target = new FileInfo(initdb).ResolveLinkTarget(returnFinalTarget: true);
                yield return target is null ? dir : Path.GetDirectoryName(target.FullName)!;
            }
        }

        var fromPgConfig = PgConfigBinDir();
        if (fromPgConfig is not null)
        {
            yield return fromPgConfig;
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            foreach (var versioned in Directory.GetDirectories("/usr/lib/postgresql")
                         .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : 0))
            {
                yield return Path.Combine(versioned, "bin");
            }
        }
    }

    private static bool HasServerPrograms(string dir) =>
        File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl"));

    private static string? PgConfigBinDir()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // pg_config is not installed
        }
    }
}
