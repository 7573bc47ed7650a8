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
        var temporary = $"{file}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(secret);
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
