using System.Security.Cryptography;
using System.Text;
using Marten;

namespace CustomerVault.Infrastructure.Encryption;

/// <summary>
/// A customer's data key, wrapped by the master key. Stored as a document beside (never inside) the event
/// stream: deleting this one document makes every value the customer ever stored unreadable (crypto-shredding),
/// while the events themselves stay untouched.
/// </summary>
public sealed record CustomerDataKey(Guid Id, string MasterKeyId, byte[] WrappedKey, DateTimeOffset CreatedAt) : ISealedByMasterKey;

/// <summary>Creates and opens customers' data keys, and re-wraps them when the master key is rotated.</summary>
public sealed class CustomerKeyring(MasterKeys masterKeys, TimeProvider clock)
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    /// <summary>Generates a customer's data key and stores it with the session's other changes.</summary>
    public CustomerCipher Create(IDocumentSession session, Guid customerId)
    {
        var (stored, cipher) = NewKey(customerId);
        session.Insert(stored);
        return cipher;
    }

    /// <summary>A new data key for the customer: wrapped by the current master key to be stored, and its cipher.</summary>
    public (CustomerDataKey Stored, CustomerCipher Cipher) NewKey(Guid customerId)
    {
        var dataKey = RandomNumberGenerator.GetBytes(32);
        return (new CustomerDataKey(customerId, masterKeys.Current.Id, Wrap(masterKeys.Current, customerId, dataKey), clock.GetUtcNow()),
            new CustomerCipher(customerId, dataKey));
    }

    /// <summary>The customer's cipher, or null when the customer has no key (unknown, or erased).</summary>
    /// <remarks>
    /// Unwrapped keys are deliberately not cached: after an erasure, no node may still hold the key.
    /// </remarks>
    public async Task<CustomerCipher?> OpenAsync(IQuerySession session, Guid customerId, CancellationToken cancellationToken)
    {
        var stored = await session.LoadAsync<CustomerDataKey>(customerId, cancellationToken);
        return stored is null ? null : Open(stored);
    }

    public CustomerCipher Open(CustomerDataKey stored) => new(stored.Id, Unwrap(masterKeys.Get(stored.MasterKeyId), stored.Id, stored.WrappedKey));

    /// <summary>The same data key, wrapped by the current master key (itself when it already is).</summary>
    public CustomerDataKey Rewrapped(CustomerDataKey stored)
    {
        if (stored.MasterKeyId == masterKeys.Current.Id)
        {
            return stored;
        }

        var dataKey = Unwrap(masterKeys.Get(stored.MasterKeyId), stored.Id, stored.WrappedKey);
        return stored with { MasterKeyId = masterKeys.Current.Id, WrappedKey = Wrap(masterKeys.Current, stored.Id, dataKey) };
    }

    private static byte[] Wrap(MasterKey masterKey, Guid customerId, byte[] dataKey)
    {
        var sealedKey = new byte[NonceSize + dataKey.Length + TagSize];
        var nonce = sealedKey.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = masterKey.CreateCipher();
        aes.Encrypt(nonce, dataKey, sealedKey.AsSpan(NonceSize, dataKey.Length), sealedKey.AsSpan(NonceSize + dataKey.Length), WrapContext(customerId));
        return sealedKey;
    }

    private static byte[] Unwrap(MasterKey masterKey, Guid customerId, byte[] sealedKey)
    {
        var dataKey = new byte[sealedKey.Length - NonceSize - TagSize];
        using var aes = masterKey.CreateCipher();
        aes.Decrypt(sealedKey.AsSpan(0, NonceSize), sealedKey.AsSpan(NonceSize, dataKey.Length), sealedKey.AsSpan(NonceSize + dataKey.Length), dataKey, WrapContext(customerId));
        return dataKey;
    }

    // Binding the wrapped key to its customer stops a swapped key document from decrypting another's data.
    private static byte[] WrapContext(Guid customerId) => Encoding.UTF8.GetBytes($"customervault/data-key/v1/{customerId:N}");
}

/// <summary>
/// Encrypts and decrypts one customer's attribute values with AES-256-GCM. A sealed value reads
/// <c>v1.{base64(nonce | ciphertext | tag)}</c> and is bound to its customer and attribute name, so a value
/// copied to another attribute or another customer fails to decrypt instead of leaking. One AES context serves every
/// value the cipher seals or opens (a vendor read opens several): key set-up once, not per attribute. Not for use by
/// several threads at once; disposing it releases the context.
/// </summary>
public sealed class CustomerCipher(Guid customerId, byte[] dataKey) : IDisposable
{
    private const string Prefix = "v1.";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    private AesGcm? _aes;

    private AesGcm Aes => _aes ??= new AesGcm(dataKey, TagSize);

    public Guid CustomerId => customerId;

    public string Seal(string attribute, string plaintext)
    {
        var clear = Encoding.UTF8.GetBytes(plaintext);
        var output = new byte[NonceSize + clear.Length + TagSize];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        Aes.Encrypt(nonce, clear, output.AsSpan(NonceSize, clear.Length), output.AsSpan(NonceSize + clear.Length), Context(attribute));
        return Prefix + Convert.ToBase64String(output);
    }

    public string Open(string attribute, string sealedValue)
    {
        if (!sealedValue.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw new CryptographicException($"Unknown format of a sealed value of {attribute}.");
        }

        var input = Convert.FromBase64String(sealedValue[Prefix.Length..]);
        var clear = new byte[input.Length - NonceSize - TagSize];
        Aes.Decrypt(input.AsSpan(0, NonceSize), input.AsSpan(NonceSize, clear.Length), input.AsSpan(NonceSize + clear.Length), clear, Context(attribute));
        return Encoding.UTF8.GetString(clear);
    }

    public void Dispose() => _aes?.Dispose();

    private byte[] Context(string attribute) => Encoding.UTF8.GetBytes($"customervault/attribute/v1/{customerId:N}/{attribute}");
}
