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

    /// <summary>Seals a secret the vault must be able to use again (a webhook signing secret), bound to its purpose.</summary>
    public string Seal(string purpose, byte[] secret)
    {
        var output = new byte[12 + secret.Length + 16];
        RandomNumberGenerator.Fill(output.AsSpan(0, 12));
        using var aes = CreateCipher();
        aes.Encrypt(output.AsSpan(0, 12), secret, output.AsSpan(12, secret.Length), output.AsSpan(12 + secret.Length), System.Text.Encoding.UTF8.GetBytes(purpose));
        return Convert.ToBase64String(output);
    }

    public byte[] Open(string purpose, string sealedSecret)
    {
        var input = Convert.FromBase64String(sealedSecret);
        var secret = new byte[input.Length - 12 - 16];
        using var aes = CreateCipher();
        aes.Decrypt(input.AsSpan(0, 12), input.AsSpan(12, secret.Length), input.AsSpan(12 + secret.Length), secret, System.Text.Encoding.UTF8.GetBytes(purpose));
        return secret;
    }

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
