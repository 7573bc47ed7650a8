using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Cli;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Webhooks;

namespace CustomerVault.Api.Tests.Operations;

/// <summary>
/// The runbook's master-key rotation, on one database, by vaults restarted with each step's configuration: the new key
/// beside the old, the re-wrap, then the old key gone. Customers and vendors are served at every step.
/// </summary>
public sealed class MasterKeyRotationTests
{
    private readonly string _oldKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly string _newKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task A_new_master_key_takes_over_and_after_the_rewrap_the_old_one_is_not_needed_for_any_profile_or_webhook_secret()
    {
        var database = await TestDatabase.CreateDatabaseAsync($"t_rotation_{Guid.NewGuid():N}");
        await using var receiver = await WebhookReceiver.StartAsync();
        RegisteredVendor vendor;
        SignedInCustomer early;
        Guid grantId;
        await using (var before = await KeyedVault.StartAsync(database, _oldKey))
        {
            vendor = await before.RegisterVendorAsync(webhookUrl: receiver.Url);
            early = await before.SignUpAsync(email: "early.rotation@example.org");
            grantId = await before.GrantAsync(vendor, early, "name email");
            await receiver.WaitForAsync(r => r.Count > 0);
        }

        await using (var during = await KeyedVault.StartAsync(database, _newKey, _oldKey))
        {
            Assert.Equal("early.rotation@example.org", await ReadEmailAsync(during, vendor, early));
            var late = await during.SignUpAsync();
            Assert.Equal(late.Email, await ReadEmailAsync(during, vendor, late));
        }

        var (refused, refusal) = await RunCliAsync(database, ["keys", "rewrap"], _newKey);
        Assert.Equal(ExitCodes.KeysUnavailable, refused);
        Assert.Contains(Id(_oldKey), refusal);

        var (code, output) = await RunCliAsync(database, ["keys", "rewrap", "--batch-size", "2"], _newKey, _oldKey);
        Assert.True(code == ExitCodes.Ok, output);
        Assert.Matches(@"Re-wrapped [1-9]\d* customer data keys and [1-9]\d* webhook secrets", output);
        Assert.Contains($"Nothing is left under {Id(_oldKey)}", output);
        var (_, status) = await RunCliAsync(database, ["keys", "status"], _newKey);
        Assert.DoesNotContain(Id(_oldKey), status);
        var (_, statusJson) = await RunCliAsync(database, ["keys", "status", "--output", "json"], _newKey);
        var keys = JsonDocument.Parse(statusJson).RootElement;
        Assert.Equal(Id(_newKey), keys.GetProperty("current").GetString());
        Assert.All(keys.GetProperty("keys").EnumerateArray(), k => Assert.Equal(Id(_newKey), k.GetProperty("masterKey").GetString()));

        await using var after = await KeyedVault.StartAsync(database, _newKey);
        Assert.Equal("early.rotation@example.org", await ReadEmailAsync(after, vendor, early));
        using var customerApi = await after.FreshApiAsync(early);
        (await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { })).EnsureSuccessStatusCode();
        var revoked = (await receiver.WaitForAsync(r => r.Any(w => w.Type == "com.customervault.grant.revoked")))
            .Single(w => w.Type == "com.customervault.grant.revoked");
        Assert.True(WebhookSignature.Verify(vendor.WebhookSecret, revoked.Id, revoked.Timestamp, revoked.Body, revoked.Signature));
    }

    private static string Id(string key) => new MasterKey(Convert.FromBase64String(key)).Id;

    private static async Task<string?> ReadEmailAsync(VaultApp vault, RegisteredVendor vendor, SignedInCustomer customer)
    {
        using var customerApi = await vault.FreshApiAsync(customer);
        using var vendorApi = await vault.FreshApiAsync(vendor);
        var customerId = await vault.ConnectAsync(vendorApi, vendor.Id, customer);
        var requestId = await (await vendorApi.RequestAccessAsync(customerId, "email", purpose: "analytics")).IdAsync();
        (await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve", new { })).EnsureSuccessStatusCode();
        var read = await (await vendorApi.ReadProfileAsync(customerId, "analytics")).JsonAsync();
        return (string?)read["profile"]!["contact"]!["email"];
    }

    private static async Task<(int Code, string Output)> RunCliAsync(string database, string[] args, string current, params string[] additional)
    {
        var environment = new Dictionary<string, string?> { ["Vault__Encryption__MasterKey"] = current };
        for (var i = 0; i < additional.Length; i++)
        {
            environment[$"Vault__Encryption__AdditionalMasterKeys__{i}"] = additional[i];
        }

        var run = await CliRunner.RunAsync([.. args, "--connection", database], environment);
        return (run.Code, run.Output + run.Error);
    }

    /// <summary>A vault on the given database with the given master keys: the current one, then the additional ones.</summary>
    private sealed class KeyedVault(string connectionString, string current, string[] additional) : WebhookVaultApp
    {
        public static async Task<KeyedVault> StartAsync(string connectionString, string current, params string[] additional)
        {
            var vault = new KeyedVault(connectionString, current, additional);
            await vault.InitializeAsync();
            return vault;
        }

        protected override IDictionary<string, string?> Settings
        {
            get
            {
                var settings = new Dictionary<string, string?>(base.Settings) { [MasterKeys.CurrentKey] = current };
                for (var i = 0; i < additional.Length; i++)
                {
                    settings[$"{MasterKeys.AdditionalKeys}:{i}"] = additional[i];
                }

                return settings;
            }
        }

        public override Task InitializeAsync()
        {
            ConnectionString = connectionString;
            Start();
            return Task.CompletedTask;
        }
    }
}
