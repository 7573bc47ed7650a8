using System.Security.Cryptography;

namespace CustomerVault.Infrastructure.Encryption;

/// <summary>
/// The master keys this node holds. The current one (<c>Vault:Encryption:MasterKey</c>) wraps every new data key and
/// seals every new secret; the additional ones (<c>Vault:Encryption:AdditionalMasterKeys</c>, a list) only open what
/// they wrapped: the previous key while a rotation re-wraps its keys, or the next one before it becomes current, so
/// that no node ever meets a key it cannot open. Each wrapped key and sealed secret records its master key's id.
/// </summary>
/// <remarks>Outside Development the current key must be configured; in Development one is generated once and kept in
/// <c>{Vault:DataDirectory}/keys/master.key</c>.</remarks>
public sealed class MasterKeys
{
    public const string CurrentKey = "Vault:Encryption:MasterKey";
    public const string AdditionalKeys = "Vault:Encryption:AdditionalMasterKeys";

    private readonly Dictionary<string, MasterKey> _byId;

    public MasterKeys(MasterKey current, IEnumerable<MasterKey>? additional = null)
    {
        Current = current;
        _byId = new Dictionary<string, MasterKey>(StringComparer.Ordinal) { [current.Id] = current };
        foreach (var key in additional ?? [])
        {
            _byId.TryAdd(key.Id, key);
        }
    }

    public MasterKey Current { get; }

    /// <summary>Every key held, the current one first.</summary>
    public IEnumerable<MasterKey> All => _byId.Values.OrderBy(k => k != Current);

    /// <summary>The key with this id; throws, naming the id, when this node does not hold it.</summary>
    public MasterKey Get(string id) =>
        _byId.GetValueOrDefault(id)
        ?? throw new InvalidOperationException(
            $"This was wrapped by master key {id}, which is not configured: add it to {AdditionalKeys} until a re-wrap has moved everything off it.");

    public static MasterKeys Load(IConfiguration configuration, IHostEnvironment environment) =>
        FromConfiguration(configuration, () => environment.IsDevelopment()
            ? new MasterKey(DevelopmentSecrets.ReadOrCreate(DevelopmentKeyFile(configuration), () => RandomNumberGenerator.GetBytes(32)))
            : throw new VaultStartupException(
                $"{CurrentKey} is not set. Outside Development the vault needs a master key (32 random bytes, base64, "
                + "e.g. from 'openssl rand -base64 32') from a secret store or the environment (Vault__Encryption__MasterKey)."));

    /// <param name="whenNotConfigured">The current key when none is configured (Development's, or the tool's refusal).</param>
    public static MasterKeys FromConfiguration(IConfiguration configuration, Func<MasterKey> whenNotConfigured)
    {
        var configured = configuration[CurrentKey];
        var current = string.IsNullOrWhiteSpace(configured) ? whenNotConfigured() : Parse(configured, CurrentKey);
        var additional = configuration.GetSection(AdditionalKeys).GetChildren()
            .Where(c => !string.IsNullOrWhiteSpace(c.Value))
            .Select(c => Parse(c.Value!, $"{AdditionalKeys}:{c.Key}"));
        return new MasterKeys(current, additional);
    }

    /// <summary>Where Development keeps its generated master key.</summary>
    public static string DevelopmentKeyFile(IConfiguration configuration) => Path.Combine(VaultPaths.DataDirectory(configuration), "keys", "master.key");

    private static MasterKey Parse(string base64, string setting)
    {
        try
        {
            return new MasterKey(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            throw new VaultStartupException($"{setting} is not valid base64.");
        }
        catch (VaultStartupException e)
        {
            throw new VaultStartupException($"{setting}: {e.Message}");
        }
    }
}
