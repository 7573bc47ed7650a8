namespace CustomerVault.Infrastructure.Encryption;

/// <summary>Secrets that Development generates once and keeps in the vault's data folder (mode 600).</summary>
public static class DevelopmentSecrets
{
    public static byte[] ReadOrCreate(string file, Func<byte[]> create)
    {
        if (File.Exists(file))
        {
            return File.ReadAllBytes(file);
        }

        var directory = Path.GetDirectoryName(file)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var secret = create();
        var temporary = file + ".tmp";
        File.WriteAllBytes(temporary, secret);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        try
        {
            // Two nodes starting at once: the first rename wins and both use its secret.
            File.Move(temporary, file, overwrite: false);
        }
        catch (IOException) when (File.Exists(file))
        {
            File.Delete(temporary);
        }

        return File.ReadAllBytes(file);
    }
}
