namespace CustomerVault.Infrastructure;

/// <summary>
/// Where the vault keeps its local state when nothing else is configured: the embedded database and,
/// in Development, the generated keys. One folder per OS user, so two people on one machine never share a vault.
/// </summary>
public static class VaultPaths
{
    public const string DataDirectoryKey = "Vault:DataDirectory";

    public static string DataDirectory(IConfiguration configuration)
    {
        var configured = configuration[DataDirectoryKey];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }

        // Root included: two root vaults with different HOMEs are two vaults, not one shared system folder.
        var dataHome = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        if (string.IsNullOrWhiteSpace(dataHome))
        {
            dataHome = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
        }

        return Path.Combine(dataHome, "customervault");
    }
}
