using System.Security.Cryptography;
using System.Text;

namespace CustomerVault.Infrastructure.Database;

/// <summary>Where an embedded cluster's folder is, and who may enter it.</summary>
internal static class ClusterPlacement
{
    /// <summary>Where clusters go, as root, when the postgres user cannot enter the vault's data folder.</summary>
    public const string SharedClustersDirectory = "/var/lib/customervault/clusters";

    /// <summary>
    /// Chooses where the cluster lives. As root the server runs as the postgres user, which must be able to enter
    /// the folder; root's own home (mode 700) is the usual case where it cannot. Rather than opening someone's home
    /// to it, the cluster then lives under <see cref="SharedClustersDirectory"/>, one folder per vault data folder,
    /// and the vault's own folder links to it, so each user (each HOME) still has a database of its own.
    /// </summary>
    public static async Task<string> PlaceAsync(string root, bool mayRelocate, ILogger logger, CancellationToken cancellationToken)
    {
        if (LinkedFolder(root) is { } placedEarlier)
        {
            return PrepareRoot(placedEarlier);
        }

        if (!PostgresProcesses.RunAsServiceUser)
        {
            return PrepareRoot(root);
        }

        var parent = Path.GetDirectoryName(root)!;
        Directory.CreateDirectory(parent);
        if (await PostgresProcesses.ServiceUserCanEnterAsync(parent, cancellationToken))
        {
            return PrepareRoot(root);
        }

        var refusal = $"The embedded PostgreSQL server runs as the '{PostgresProcesses.ServiceUser}' user, which cannot enter {parent}. "
                      + "Set Vault:EmbeddedDatabase:DataDirectory to a folder it can enter, or let it through (e.g. 'chmod o+x' on the folders above).";
        if (!mayRelocate)
        {
            throw new VaultStartupException(refusal);
        }

        if (Directory.Exists(root))
        {
            if (Directory.EnumerateFileSystemEntries(root).Any())
            {
                throw new VaultStartupException($"{root} is not empty. {refusal}");
            }

            Directory.Delete(root);
        }

        var name = root.Trim('/').Replace('/', '-');
        name = (name.Length > 80 ? name[^80..] : name) + "-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(root)))[..8];
        var placed = Path.Combine(SharedClustersDirectory, name);
        foreach (var directory in new[] { Path.GetDirectoryName(SharedClustersDirectory)!, SharedClustersDirectory, placed })
        {
            PrepareRoot(directory);
        }

        Directory.CreateSymbolicLink(root, placed);
        logger.LogInformation("The postgres user cannot enter {Parent}, so the embedded database lives in {Placed}, linked from {Root}", parent, placed, root);
        return placed;
    }

    public static string? LinkedFolder(string path) =>
        new DirectoryInfo(path) is { LinkTarget: not null } link ? link.ResolveLinkTarget(returnFinalTarget: true)!.FullName : null;

    private static string PrepareRoot(string directory)
    {
        Directory.CreateDirectory(directory);
        if (PostgresProcesses.RunAsServiceUser)
        {
            // The postgres user must be able to walk through the root folder to its data folder.
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
                                            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        }

        return directory;
    }
}
