using CustomerVault.Api.Tests.Support;
using CustomerVault.Cli;
using Npgsql;

namespace CustomerVault.Api.Tests.Audit;

/// <summary>
/// Someone with database access rewrites history behind the vault's back; the CLI catches it over the API as it does
/// on the database. Its own vault and database: the tampering must not disturb other tests' chains.
/// </summary>
public sealed class CliTamperingTests(KestrelVaultApp app) : IClassFixture<KestrelVaultApp>
{
    [Fact]
    public async Task A_rewritten_event_is_reported_over_the_API_and_on_the_database_by_its_checkpoint_even_when_its_hash_was_rewritten_too_and_a_forged_checkpoint_too()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var widened = await app.GrantAsync(vendor, customer, "name");
        var repurposed = await app.GrantAsync(vendor, customer, "email");
        using (var admin = await app.OperatorAsync())
        {
            await (await admin.PostAsync("/v1/audit/checkpoints", null)).JsonAsync();
        }

        Assert.All(await VerifyBothWaysAsync(), run => Assert.True(run.Code == ExitCodes.Ok, run.ToString()));

        // The grant widened, and its chain recomputed so that every link holds again: only the signed checkpoint knows.
        await ExecuteAsync($$"""
            UPDATE vault.mt_events SET data = jsonb_set(data, '{Scopes}', '["name", "email", "phone"]') WHERE stream_id = '{{widened}}' AND version = 1;
            UPDATE vault.event_chain c SET hash = vault.event_chain_hash(c.previous_hash, e.stream_id, e.version, e.type, e.timestamp, e.user_name, e.data)
            FROM vault.mt_events e WHERE e.seq_id = c.seq_id AND e.stream_id = '{{widened}}';
            """);
        foreach (var run in await VerifyBothWaysAsync())
        {
            Assert.True(run.Code == ExitCodes.VerificationFailed, run.ToString());
            Assert.True(run.Json.GetProperty("chains").GetProperty("intact").GetBoolean(), run.ToString());
            Assert.False(run.Json.GetProperty("checkpoint").GetProperty("matches").GetBoolean(), run.ToString());
            Assert.Equal("valid", run.Json.GetProperty("checkpoint").GetProperty("signature").GetString());
        }

        // Another grant's purpose changed in place: the trigger hashes inserts only, so its recorded hash no longer fits.
        await ExecuteAsync($"UPDATE vault.mt_events SET data = jsonb_set(data, '{{Purpose}}', '\"analytics\"') WHERE stream_id = '{repurposed}' AND version = 1");
        foreach (var run in await VerifyBothWaysAsync())
        {
            Assert.True(run.Code == ExitCodes.VerificationFailed, run.ToString());
            var broken = run.Json.GetProperty("chains").GetProperty("firstBroken");
            Assert.Equal(repurposed, broken.GetProperty("streamId").GetGuid());
            Assert.Equal(1, broken.GetProperty("version").GetInt32());
            Assert.Equal("the event was changed after it was stored", broken.GetProperty("problem").GetString());
        }

        var customerOverApi = await CliRunner.RunAsync(["audit", "verify", "--customer", customer.Id.ToString()], AuditorEnvironment());
        Assert.Equal(ExitCodes.VerificationFailed, customerOverApi.Code);
        Assert.Contains($"Chain broken: stream {repurposed}, version 1", customerOverApi.Output);

        // The checkpoint itself forged: a signature no published key made. Neither mode takes the record's word for it.
        await ExecuteAsync("UPDATE vault.audit_checkpoints SET jws = regexp_replace(jws, '[^.]+$', 'Zm9yZ2Vk')");
        foreach (var run in await VerifyBothWaysAsync())
        {
            Assert.True(run.Code == ExitCodes.VerificationFailed, run.ToString());
            Assert.Equal("invalid", run.Json.GetProperty("checkpoint").GetProperty("signature").GetString());
            Assert.False(run.Json.GetProperty("verified").GetBoolean());
        }
    }

    private async Task<CliRun[]> VerifyBothWaysAsync() =>
    [
        await CliRunner.RunAsync(["audit", "verify", "--output", "json"], AuditorEnvironment()),
        await CliRunner.RunAsync(["audit", "verify", "--output", "json", "--connection", app.ConnectionString],
            new Dictionary<string, string?> { ["Vault__DataDirectory"] = TestDatabase.DataDirectory }),
    ];

    private Dictionary<string, string?> AuditorEnvironment() => new()
    {
        [VaultCli.UrlVariable] = app.BaseUrl,
        [VaultCli.ClientIdVariable] = "demo-auditor",
        [VaultCli.ClientSecretVariable] = "demo-auditor-secret",
    };

    private async Task ExecuteAsync(string sql)
    {
        await using var db = await app.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(sql, db);
        await command.ExecuteNonQueryAsync();
    }
}
