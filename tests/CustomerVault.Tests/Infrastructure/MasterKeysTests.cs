using System.Security.Cryptography;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Vendors;
using Microsoft.Extensions.Configuration;

namespace CustomerVault.Tests.Infrastructure;

public sealed class MasterKeysTests
{
    private static readonly Guid Customer = Guid.NewGuid();
    private readonly MasterKey _old = NewKey();
    private readonly MasterKey _new = NewKey();

    [Fact]
    public void GivenTheOldKeyAsAdditional_WhenADataKeyItWrappedIsRewrapped_ThenTheCurrentKeyAloneOpensTheSameDataKey()
    {
        var (stored, cipher) = new CustomerKeyring(new MasterKeys(_old), TimeProvider.System).NewKey(Customer);
        var sealedValue = cipher.Seal("contact.email", "\"ada@example.org\"");
        var during = new CustomerKeyring(new MasterKeys(_new, [_old]), TimeProvider.System);

        var rewrapped = during.Rewrapped(stored);

        Assert.Equal("\"ada@example.org\"", during.Open(stored).Open("contact.email", sealedValue));
        Assert.Equal(_new.Id, rewrapped.MasterKeyId);
        Assert.Same(rewrapped, during.Rewrapped(rewrapped));
        var after = new CustomerKeyring(new MasterKeys(_new), TimeProvider.System);
        Assert.Equal("\"ada@example.org\"", after.Open(rewrapped).Open("contact.email", sealedValue));
    }

    [Fact]
    public void GivenOnlyTheNewKey_WhenADataKeyTheOldOneWrappedIsOpened_ThenItIsRefusedNamingTheMissingKey()
    {
        var (stored, _) = new CustomerKeyring(new MasterKeys(_old), TimeProvider.System).NewKey(Customer);

        var refusal = Assert.Throws<InvalidOperationException>(() => new CustomerKeyring(new MasterKeys(_new), TimeProvider.System).Open(stored));

        Assert.Contains(_old.Id, refusal.Message);
        Assert.Contains(MasterKeys.AdditionalKeys, refusal.Message);
    }

    [Fact]
    public void GivenAWebhookSecretSealedBeforeKeyIdsWereRecorded_WhenOpened_ThenWhicheverHeldKeySealedItOpensIt_AndResealingRecordsTheCurrentKey()
    {
        var vendor = Guid.NewGuid();
        var legacy = VendorWebhookSecret.Seal(new MasterKeys(_old), vendor, "whsec_legacy", DateTimeOffset.UnixEpoch) with { MasterKeyId = null };
        var keys = new MasterKeys(_new, [_old]);

        var resealed = legacy.Resealed(keys);

        Assert.Equal("whsec_legacy", legacy.Open(keys));
        Assert.Equal(_new.Id, resealed.MasterKeyId);
        Assert.Equal("whsec_legacy", resealed.Open(new MasterKeys(_new)));
        Assert.Throws<InvalidOperationException>(() => legacy.Open(new MasterKeys(_new)));
    }

    [Fact]
    public void Configuration_names_the_current_key_and_a_list_of_additional_ones_and_a_bad_one_is_refused_naming_its_setting()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [MasterKeys.CurrentKey] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            [$"{MasterKeys.AdditionalKeys}:0"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            [$"{MasterKeys.AdditionalKeys}:1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        }).Build();

        var keys = MasterKeys.FromConfiguration(configuration, () => throw new InvalidOperationException("not used"));

        Assert.Equal(3, keys.All.Count());
        Assert.Same(keys.Current, keys.All.First());
        configuration[$"{MasterKeys.AdditionalKeys}:1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var refusal = Assert.Throws<VaultStartupException>(() => MasterKeys.FromConfiguration(configuration, () => null!));
        Assert.Contains($"{MasterKeys.AdditionalKeys}:1", refusal.Message);
    }

    private static MasterKey NewKey() => new(RandomNumberGenerator.GetBytes(32));
}
