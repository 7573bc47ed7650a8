using System.Security.Cryptography;

namespace CustomerVault.Infrastructure.Encryption;

/// <summary>
/// One key-encryption key: it wraps customers' data keys and seals the secrets the vault must use again. It never
/// touches the database: a copy of the database alone decrypts nothing. The vault holds one or more
/// (<see cref="MasterKeys"/>).
/// </summary>
public sealed class MasterKey
{
    private readonly byte[] _key;

    public MasterKey(byte[] key)
    {
        if (key.Length != 32)
        {
            throw new VaultStartupException($"A master key must be 32 bytes (base64), not {key.Length}.");
        }

        _key = key;
        // Recorded beside each wrapped key and sealed secret, so the right key opens it and a rotation finds what the old one wrapped.
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
}
