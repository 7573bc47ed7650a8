using System.Security.Cryptography;
using CustomerVault.Infrastructure.Encryption;
using FsCheck;
using FsCheck.Xunit;

namespace CustomerVault.Tests.Infrastructure;

public sealed class CustomerCipherTests
{
    private static readonly Guid Customer = Guid.NewGuid();
    private readonly CustomerCipher _cipher = new(Customer, RandomNumberGenerator.GetBytes(32));

    [Property]
    public bool Any_value_opens_to_what_was_sealed(NonNull<string> value) =>
        _cipher.Open("contact.email", _cipher.Seal("contact.email", value.Get)) == value.Get;

    [Fact]
    public void Sealing_the_same_value_twice_gives_different_ciphertexts()
    {
        Assert.NotEqual(_cipher.Seal("contact.email", "\"ada@example.org\""), _cipher.Seal("contact.email", "\"ada@example.org\""));
    }

    [Fact]
    public void A_value_moved_to_another_attribute_does_not_open()
    {
        var sealedEmail = _cipher.Seal("contact.email", "\"ada@example.org\"");

        Assert.ThrowsAny<CryptographicException>(() => _cipher.Open("contact.phone", sealedEmail));
    }

    [Fact]
    public void A_value_moved_to_another_customer_does_not_open_even_with_the_same_key()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var sealedValue = new CustomerCipher(Guid.NewGuid(), key).Seal("contact.email", "\"ada@example.org\"");

        Assert.ThrowsAny<CryptographicException>(() => new CustomerCipher(Guid.NewGuid(), key).Open("contact.email", sealedValue));
    }

    [Fact]
    public void A_changed_ciphertext_does_not_open()
    {
        var sealedValue = _cipher.Seal("contact.email", "\"ada@example.org\"");
        var bytes = Convert.FromBase64String(sealedValue[3..]);
        bytes[^1] ^= 1;

        Assert.ThrowsAny<CryptographicException>(() => _cipher.Open("contact.email", "v1." + Convert.ToBase64String(bytes)));
    }

    [Fact]
    public void A_data_key_wrapped_by_one_master_key_does_not_open_with_another()
    {
        var clock = TimeProvider.System;
        var wrapped = new CustomerDataKey(Customer, new MasterKey(RandomNumberGenerator.GetBytes(32)).Id, [], clock.GetUtcNow());

        Assert.Throws<InvalidOperationException>(() => new CustomerKeyring(new MasterKeys(new MasterKey(RandomNumberGenerator.GetBytes(32))), clock).Open(wrapped));
    }
}
