using System.Text;

namespace CustomerVault.Infrastructure.Database;

/// <summary>
/// An exclusive advisory lock (flock) on <c>vault.lock</c> in an embedded cluster's folder, held for as long as this
/// process runs the server. The kernel releases it when the process dies, however it dies, so a stale lock cannot exist.
/// </summary>
internal sealed class DataFolderLock : IDisposable
{
    private const int LockExclusive = 2;
    private const int LockNonBlocking = 4;

    private readonly FileStream _file;

    private DataFolderLock(FileStream file) => _file = file;

    /// <summary>The lock, or a refusal that says who holds it and what to do instead.</summary>
    public static DataFolderLock Take(string rootDirectory) =>
        TryTake(rootDirectory) ?? throw new VaultStartupException(
            $"Another vault (or a customervault command) is running the embedded database in {rootDirectory}; "
            + "two vaults cannot share one. Give this one its own data folder (Vault:DataDirectory, or another HOME), "
            + "or run every node against one PostgreSQL server with ConnectionStrings:Vault. "
            + $"{PathIn(rootDirectory)} holds the process id of the owner.");

    private static string PathIn(string rootDirectory) => Path.Combine(rootDirectory, "vault.lock");

    /// <summary>The lock, with this process's id written in it; null when another process holds it.</summary>
    public static DataFolderLock? TryTake(string rootDirectory)
    {
        Directory.CreateDirectory(rootDirectory);
        FileStream file;
        try
        {
            file = new FileStream(PathIn(rootDirectory), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        }
        catch (IOException)
        {
            // .NET's own advisory lock (a shared one, taken on open) met the owner's exclusive lock.
            return null;
        }

        if (!OperatingSystem.IsWindows() && Flock(file.SafeFileHandle.DangerousGetHandle().ToInt32(), LockExclusive | LockNonBlocking) != 0)
        {
            file.Dispose();
            return null;
        }

        file.SetLength(0);
        file.Write(Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n"));
        file.Flush();
        return new DataFolderLock(file);
    }

    public void Dispose() => _file.Dispose();

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "flock", SetLastError = true)]
    private static extern int Flock(int fd, int operation);
}
