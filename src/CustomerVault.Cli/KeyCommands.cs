using System.CommandLine;
using System.Globalization;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Vendors;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace CustomerVault.Cli;

/// <summary>
/// customervault keys: which master keys the stored data keys and secrets need, and the re-wrap that moves them all
/// to the current one so an older key can be retired. A tool rather than an endpoint: it runs once per rotation for
/// as long as the data takes, can be stopped and run again, and gives the vault's API no operation that re-encrypts
/// everything. It reads the keys as the vault does (Vault__Encryption__MasterKey and
/// Vault__Encryption__AdditionalMasterKeys__0, __1, ...), so run it where the vault's secrets are.
/// </summary>
public static class KeyCommands
{
    private const int MaxAdditionalKeys = 32;

    /// <param name="output">Where results go, known once the command line is parsed.</param>
    public static Command Create(
        Option<string?> connection, Option<string?> dataDirectory, Func<CliOutput> output, Func<string, string?> environment, Action<int> exit)
    {
        var batchSize = new Option<int>("--batch-size") { Description = "Documents per transaction.", DefaultValueFactory = _ => 500 };
        var status = new Command("status", "For each master key: whether this configuration holds it, and how many data keys and webhook secrets it sealed.")
        {
            connection, dataDirectory,
        };
        var rewrap = new Command("rewrap", "Re-wrap every data key and webhook secret under the current master key, so the others can be retired.")
        {
            connection, dataDirectory, batchSize,
        };

        status.SetAction((result, ct) => VaultCli.Guarded(output(), async () =>
        {
            var keys = Keys(environment, result.GetValue(dataDirectory));
            await using var vault = await VaultConnection.OpenAsync(result.GetValue(connection), result.GetValue(dataDirectory), environment, ct);
            var usage = await UsageAsync(vault, ct);
            var rows = keys.All.Select(k => (string?)k.Id).Union(usage.Keys.Select(k => k == "" ? null : k))
                .Select(id => new MasterKeyUsage(id, Role(keys, id), usage.GetValueOrDefault(id ?? "").DataKeys, usage.GetValueOrDefault(id ?? "").Secrets))
                .ToList();
            if (output().Json)
            {
                output().Document(new KeyStatusDocument(keys.Current.Id, rows));
                return ExitCodes.Ok;
            }

            var table = new Table().AddColumn("master key").AddColumn("here").AddColumn(new TableColumn("data keys").RightAligned())
                .AddColumn(new TableColumn("webhook secrets").RightAligned());
            foreach (var row in rows)
            {
                table.AddRow(new Text(row.MasterKey ?? "(not recorded)"), row.Here == NotConfigured ? new Markup($"[red]{NotConfigured}[/]") : new Text(row.Here),
                    new Text(Count(row.DataKeys)), new Text(Count(row.WebhookSecrets)));
            }

            output().Write(table);
            return ExitCodes.Ok;
        }, exit));

        rewrap.SetAction((result, ct) => VaultCli.Guarded(output(), async () =>
        {
            var keys = Keys(environment, result.GetValue(dataDirectory));
            await using var vault = await VaultConnection.OpenAsync(result.GetValue(connection), result.GetValue(dataDirectory), environment, ct);
            var missing = (await UsageAsync(vault, ct)).Keys.Where(id => id != "" && keys.All.All(k => k.Id != id)).ToList();
            if (missing.Count > 0)
            {
                throw new CliException(ExitCodes.KeysUnavailable,
                    $"Stored keys are wrapped by master keys this configuration lacks: {string.Join(", ", missing)}. Add them to Vault__Encryption__AdditionalMasterKeys__N.");
            }

            var keyring = new CustomerKeyring(keys, TimeProvider.System);
            var size = Math.Max(1, result.GetValue(batchSize));
            var dataKeys = await output().ProgressAsync("Re-wrapping data keys", "data keys", progress =>
                MasterKeyRotation.RewrapAsync<CustomerDataKey>(vault.Store, keys.Current, keyring.Rewrapped, size, done => progress(done, null), ct));
            var secrets = await output().ProgressAsync("Re-wrapping webhook secrets", "secrets", progress =>
                MasterKeyRotation.RewrapAsync<VendorWebhookSecret>(vault.Store, keys.Current, s => s.Resealed(keys), size, done => progress(done, null), ct));

            var left = (await UsageAsync(vault, ct)).Where(u => u.Key != keys.Current.Id)
                .Select(u => new MasterKeyUsage(u.Key == "" ? null : u.Key, Role(keys, u.Key == "" ? null : u.Key), u.Value.DataKeys, u.Value.Secrets)).ToList();
            var retired = left.Count > 0 ? [] : keys.All.Where(k => k != keys.Current).Select(k => k.Id).ToList();
            if (output().Json)
            {
                output().Document(new RewrapDocument(keys.Current.Id, dataKeys, secrets, left, retired));
                return left.Count > 0 ? ExitCodes.Incomplete : ExitCodes.Ok;
            }

            output().Line($"Re-wrapped {dataKeys} customer data keys and {secrets} webhook secrets under master key {keys.Current.Id}.");
            if (left.Count > 0)
            {
                output().Line($"Still under other keys (sealed meanwhile by a node whose current key is not {keys.Current.Id}?): "
                              + string.Join(", ", left.Select(u => $"{u.MasterKey ?? "(not recorded)"}: {u.DataKeys} data keys, {u.WebhookSecrets} secrets")) + ". Run it again.");
                return ExitCodes.Incomplete;
            }

            output().Line(retired.Count > 0
                ? $"Nothing is left under {string.Join(", ", retired)}: remove it from Vault:Encryption:AdditionalMasterKeys on every node (keep it for backups made before now)."
                : "Every data key and secret is under the current master key.");
            return ExitCodes.Ok;
        }, exit));

        return new Command("keys", "Master-key rotation: what each key sealed, and the re-wrap.") { status, rewrap };
    }

    /// <summary>Key id ("" when not recorded) to the number of data keys and webhook secrets it sealed.</summary>
    private static async Task<Dictionary<string, (long DataKeys, long Secrets)>> UsageAsync(VaultConnection vault, CancellationToken cancellationToken)
    {
        var usage = new Dictionary<string, (long DataKeys, long Secrets)>(StringComparer.Ordinal);
        foreach (var u in await MasterKeyRotation.UsageAsync<CustomerDataKey>(vault.Store, vault.DataSource, cancellationToken))
        {
            usage[u.MasterKeyId ?? ""] = (u.Documents, 0);
        }

        foreach (var u in await MasterKeyRotation.UsageAsync<VendorWebhookSecret>(vault.Store, vault.DataSource, cancellationToken))
        {
            usage[u.MasterKeyId ?? ""] = (usage.GetValueOrDefault(u.MasterKeyId ?? "").DataKeys, u.Documents);
        }

        return usage;
    }

    /// <summary>The keys as the vault's configuration gives them; without one, the local Development vault's key file, never a new key.</summary>
    private static MasterKeys Keys(Func<string, string?> environment, string? dataDirectory)
    {
        var settings = new Dictionary<string, string?>
        {
            [MasterKeys.CurrentKey] = environment("Vault__Encryption__MasterKey"),
            [VaultPaths.DataDirectoryKey] = dataDirectory ?? environment("Vault__DataDirectory"),
        };
        for (var i = 0; i < MaxAdditionalKeys; i++)
        {
            settings[$"{MasterKeys.AdditionalKeys}:{i}"] = environment($"Vault__Encryption__AdditionalMasterKeys__{i}");
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        try
        {
            return MasterKeys.FromConfiguration(configuration, () => File.Exists(MasterKeys.DevelopmentKeyFile(configuration))
                ? new MasterKey(File.ReadAllBytes(MasterKeys.DevelopmentKeyFile(configuration)))
                : throw new CliException(ExitCodes.KeysUnavailable, "No master key: set Vault__Encryption__MasterKey (and the older ones as Vault__Encryption__AdditionalMasterKeys__0, ...)."));
        }
        catch (VaultStartupException e)
        {
            throw new CliException(ExitCodes.KeysUnavailable, e.Message, e);
        }
    }

    private const string NotConfigured = "not configured";

    private static string Role(MasterKeys keys, string? id) =>
        id == keys.Current.Id ? "current" : keys.All.Any(k => k.Id == id) ? "additional" : id is null ? "any held key" : NotConfigured;

    private static string Count(long count) => count.ToString(CultureInfo.InvariantCulture);
}

/// <param name="MasterKey">The master key's id; absent for keys sealed before ids were recorded.</param>
/// <param name="Here">current, additional, not configured (in this configuration), or any held key (for unrecorded ids).</param>
public sealed record MasterKeyUsage(string? MasterKey, string Here, long DataKeys, long WebhookSecrets);

/// <summary>keys status --output json.</summary>
public sealed record KeyStatusDocument(string Current, IReadOnlyList<MasterKeyUsage> Keys);

/// <summary>keys rewrap --output json: what moved, what is still elsewhere (exit 5 when anything is), what can be retired.</summary>
public sealed record RewrapDocument(string Current, long DataKeys, long WebhookSecrets, IReadOnlyList<MasterKeyUsage> Remaining, IReadOnlyList<string> Retirable);
