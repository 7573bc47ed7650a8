using System.Security.Cryptography;

namespace CustomerVault.Infrastructure.Encryption;

/// <summary>
/// The key-encryption key that wraps every customer's data key. It never touches the database: a copy of the
/// database alone decrypts nothing. Configured as <c>Vault:Encryption:MasterKey</c> (32 bytes, base64);
/// in Development one is generated once and kept in <c>{Vault:DataDirectory}/keys/master.key</c>.
/// </summary>
public sealed class MasterKey
{
    public const string ConfigurationKey = "Vault:Encryption:MasterKey";

    private readonly byte[] _key;

    public MasterKey(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new VaultStartupException($"{ConfigurationKey} must be 32 bytes (base64), not {key.Length}.");
        }

        _key = key;
        // Recorded beside each wrapped key, so a later rotation can tell which master key wrapped it.
        Id = Convert.ToHexStringLower(SHA256.HashData(key))[..16];
    }

    public string Id { get; }

    internal AesGcm CreateCipher() => new(_key, AesGcm.TagByteSizes.MaxSize);

    public static MasterKey Load(IConfiguration configuration, IHostEnvironment environment)
    {
        var configured = configuration[ConfigurationKey];
        if (!string.IsNullOrWhiteSpace(configured))
        {
            try
            {
                return new MasterKey(Convert.FromBase64String(configured));
            }
            catch (FormatException)
            {
                throw new VaultStartupException($"{ConfigurationKey} is not valid base64.");
            }
        }

        if (!environment.IsDevelopment())
        {
            throw new VaultStartupException(
                $"{ConfigurationKey} is not set. Outside Development the vault needs a master key (32 random bytes, base64, "
                + "e.g. from 'openssl rand -base64 32') from a secret store or the environment (Vault__Encryption__MasterKey).");
        }

        var file = Path.Combine(VaultPaths.DataDirectory(configuration), "keys", "master.key");
        return new MasterKey(DevelopmentSecrets.ReadOrCreate(file, () => RandomNumberGenerator.GetBytes(32)));
    }
}
