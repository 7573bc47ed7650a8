using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Cli;
using Microsoft.IdentityModel.Tokens;

namespace CustomerVault.Api.Tests.Audit;

/// <summary>
/// The CLI as an auditor outside the vault's network uses it: the vault's URL and an auditor's token or client
/// credentials, over real HTTP to the vault on Kestrel; the same commands on the database give the same answers.
/// </summary>
public sealed class CliOverApiTests(KestrelVaultApp app) : IClassFixture<KestrelVaultApp>
{
    [Fact]
    public async Task An_auditor_token_and_the_URL_verify_a_customers_chains_and_the_latest_checkpoints_signature_against_the_JWKS()
    {
        // Text the hash must survive as JSON travels: quotes, a backslash, letters beyond ASCII, an emoji.
        var vendor = await app.RegisterVendorAsync("Ørsted \"Optics\" \\ 🔭 Ltd");
        var customer = await app.SignUpAsync();
        await app.SetProfileAsync(customer, """{ "identity": { "name": { "given": "Zoë" } } }""");
        await app.GrantAsync(vendor, customer, "name email", "email");
        await MakeCheckpointAsync();

        var run = await CliRunner.RunAsync(
            ["audit", "verify", "--customer", customer.Id.ToString(), "--vault", app.BaseUrl, "--output", "json"],
            new Dictionary<string, string?> { [VaultCli.TokenVariable] = await AuditorTokenAsync() });

        Assert.True(run.Code == ExitCodes.Ok, run.ToString());
        var result = run.Json;
        Assert.Equal("api", result.GetProperty("source").GetString());
        Assert.True(result.GetProperty("verified").GetBoolean());
        var chains = result.GetProperty("chains");
        Assert.True(chains.GetProperty("intact").GetBoolean());
        // Her profile, the request, the grant, and the vendor the as-of view names.
        Assert.Equal(4, chains.GetProperty("streams").GetInt32());
        var checkpoint = result.GetProperty("checkpoint");
        Assert.Equal("valid", checkpoint.GetProperty("signature").GetString());
        Assert.Contains(checkpoint.GetProperty("keyId").GetString(), (await PublishedKeysAsync()).Keys.Select(k => k.Kid));
        Assert.False(checkpoint.TryGetProperty("matches", out _), "one customer's streams cannot make the checkpoint's root");
    }

    [Fact]
    public async Task Client_credentials_from_the_environment_verify_every_chain_and_the_checkpoints_root_as_the_database_mode_does()
    {
        var vendor = await app.RegisterVendorAsync();
        await app.GrantAsync(vendor, await app.SignUpAsync());
        var made = await CliRunner.RunAsync(["audit", "checkpoint", "--vault", app.BaseUrl, "--output", "json"],
            new Dictionary<string, string?> { [VaultCli.ClientIdVariable] = "demo-operator", [VaultCli.ClientSecretVariable] = "demo-operator-secret" });
        var auditorMakes = await CliRunner.RunAsync(["audit", "checkpoint"], AuditorEnvironment());

        var overApi = await CliRunner.RunAsync(["audit", "verify", "--output", "json"], AuditorEnvironment());
        var onDatabase = await CliRunner.RunAsync(["audit", "verify", "--connection", app.ConnectionString, "--output", "json"],
            new Dictionary<string, string?> { ["Vault__DataDirectory"] = TestDatabase.DataDirectory });

        Assert.True(made.Code == ExitCodes.Ok, made.ToString());
        Assert.True(auditorMakes.Code == ExitCodes.AccessDenied, auditorMakes.ToString());
        Assert.Contains("operator", auditorMakes.Error);
        Assert.True(overApi.Code == ExitCodes.Ok, overApi.ToString());
        Assert.True(onDatabase.Code == ExitCodes.Ok, onDatabase.ToString());
        Assert.Equal(made.Json.GetProperty("id").GetGuid(), overApi.Json.GetProperty("checkpoint").GetProperty("id").GetGuid());
        foreach (var run in new[] { overApi, onDatabase })
        {
            var checkpoint = run.Json.GetProperty("checkpoint");
            Assert.True(checkpoint.GetProperty("matches").GetBoolean(), run.ToString());
            Assert.Equal(checkpoint.GetProperty("root").GetString(), checkpoint.GetProperty("recomputedRoot").GetString());
            Assert.Equal("valid", checkpoint.GetProperty("signature").GetString());
        }

        Assert.Equal("database", onDatabase.Json.GetProperty("source").GetString());
        Assert.Equal(onDatabase.Json.GetProperty("chains").GetProperty("events").GetInt64(), overApi.Json.GetProperty("chains").GetProperty("events").GetInt64());
    }

    [Fact]
    public async Task As_of_an_instant_over_the_API_is_what_the_database_and_the_vault_say_and_export_and_replay_agree_too()
    {
        var vendor = await app.RegisterVendorAsync("Time Travel Ltd");
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, "name email phone", "name email");
        var whileActive = app.Clock.GetUtcNow().AddMinutes(1);
        app.Clock.Advance(TimeSpan.FromMinutes(2));
        using (var customerApi = await app.FreshApiAsync(customer))
        {
            await (await customerApi.PostEmptyAsync($"/v1/me/grants/{grantId}/revoke")).JsonAsync();
        }

        var at = whileActive.ToString("O");
        var overApi = await CliRunner.RunAsync(["audit", "as-of", "--customer", customer.Id.ToString(), "--at", at, "-o", "json"], AuditorEnvironment());
        var onDatabase = await CliRunner.RunAsync(["audit", "as-of", "--customer", customer.Id.ToString(), "--at", at, "-o", "json", "--connection", app.ConnectionString]);

        Assert.True(overApi.Code == ExitCodes.Ok, overApi.ToString());
        var grant = Assert.Single(overApi.Json.GetProperty("grants").EnumerateArray());
        Assert.Equal(grantId, grant.GetProperty("id").GetGuid());
        Assert.Equal("active", grant.GetProperty("status").GetString());
        Assert.Equal(["name", "email"], grant.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("Time Travel Ltd", grant.GetProperty("vendor").GetProperty("name").GetString());
        Assert.Equal(onDatabase.Output, overApi.Output);
        using var auditor = await app.AuditorAsync();
        var vaultSays = await (await auditor.GetAsync($"/v1/audit/customers/{customer.Id}/grants?asOf={Uri.EscapeDataString(at)}")).JsonAsync();
        Assert.True(JsonNode.DeepEquals(vaultSays, JsonNode.Parse(overApi.Output)), $"{vaultSays}\n{overApi.Output}");

        var exportedOverApi = await CliRunner.RunAsync(["audit", "export", "--customer", customer.Id.ToString(), "-o", "json"], AuditorEnvironment());
        var exportedFromDatabase = await CliRunner.RunAsync(["audit", "export", "--customer", customer.Id.ToString(), "-o", "json", "--connection", app.ConnectionString]);
        Assert.True(exportedOverApi.Code == ExitCodes.Ok, exportedOverApi.ToString());
        var history = await (await auditor.GetAsync($"/v1/audit/customers/{customer.Id}/history?limit=500")).Content.ReadFromJsonAsync<JsonNode>();
        Assert.Null(history!["next"]);
        Assert.True(JsonNode.DeepEquals(history["items"], JsonNode.Parse(exportedOverApi.Output)!["events"]), exportedOverApi.Output);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(exportedFromDatabase.Output)!["events"], JsonNode.Parse(exportedOverApi.Output)!["events"]));
        Assert.Contains("grant_revoked", exportedOverApi.Output);

        var replayedOverApi = await CliRunner.RunAsync(["audit", "replay", "-o", "json"], AuditorEnvironment());
        Assert.True(replayedOverApi.Code == ExitCodes.Ok, replayedOverApi.ToString());
        Assert.False(replayedOverApi.Json.GetProperty("written").GetBoolean());
        Assert.True(replayedOverApi.Json.GetProperty("documents").GetProperty("grants").GetInt32() >= 1);
        var replayedOnDatabase = await CliRunner.RunAsync(["audit", "replay", "-o", "json", "--connection", app.ConnectionString]);
        Assert.True(replayedOnDatabase.Json.GetProperty("written").GetBoolean());
        Assert.Equal(replayedOnDatabase.Json.GetProperty("documents").ToString(), replayedOverApi.Json.GetProperty("documents").ToString());
    }

    [Fact]
    public async Task Text_output_has_tables_and_sentences_and_progress_only_for_an_interactive_stderr_and_never_with_json()
    {
        var vendor = await app.RegisterVendorAsync("Wide Tables Incorporated");
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer);

        var asOf = await CliRunner.RunAsync(["audit", "as-of", "--customer", customer.Id.ToString(), "--at", app.Clock.GetUtcNow().AddSeconds(1).ToString("O")], AuditorEnvironment());
        var verified = await CliRunner.RunAsync(["audit", "verify"], AuditorEnvironment(), interactive: true);
        var verifiedAsJson = await CliRunner.RunAsync(["audit", "verify", "--output", "json"], AuditorEnvironment(), interactive: true);

        Assert.True(asOf.Code == ExitCodes.Ok, asOf.ToString());
        Assert.Contains(asOf.Output.Split('\n'), line => line.Contains(grantId.ToString()) && line.Contains("Wide Tables Incorporated") && line.Contains("active"));
        Assert.Contains("Chains intact", verified.Output);
        Assert.Contains("Verifying hash chains", verified.Error);
        Assert.Equal("", verifiedAsJson.Error);
        Assert.True(verifiedAsJson.Json.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task Piped_output_is_never_wrapped_nor_mixed_with_progress()
    {
        var vendor = await app.RegisterVendorAsync("A Vendor Whose Name Alone Would Fill Much Of An Eighty Column Terminal Line");
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer);
        var at = app.Clock.GetUtcNow().AddSeconds(1).ToString("O");

        var (code, output, error) = await RunProcessAsync("audit", "as-of", "--customer", customer.Id.ToString(), "--at", at);
        var (jsonCode, json, _) = await RunProcessAsync("audit", "as-of", "--customer", customer.Id.ToString(), "--at", at, "--output", "json");

        Assert.True(code == ExitCodes.Ok, output + error);
        var row = Assert.Single(output.Split('\n'), line => line.Contains(grantId.ToString()));
        Assert.Contains("A Vendor Whose Name Alone Would Fill Much Of An Eighty Column Terminal Line", row);
        Assert.True(row.Length > 120, row);
        Assert.Equal("", error);
        Assert.Equal(ExitCodes.Ok, jsonCode);
        Assert.Equal(grantId, JsonDocument.Parse(json).RootElement.GetProperty("grants")[0].GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Refused_credentials_exit_7_an_unknown_customer_4_and_an_unreachable_or_foreign_URL_3_each_with_a_clear_message()
    {
        var wrongSecret = await CliRunner.RunAsync(["audit", "verify", "--vault", app.BaseUrl, "--client-id", "demo-auditor", "--client-secret", "wrong"]);
        var operatorToken = await CliRunner.RunAsync(["audit", "verify", "--vault", app.BaseUrl],
            new Dictionary<string, string?> { [VaultCli.ClientIdVariable] = "demo-operator", [VaultCli.ClientSecretVariable] = "demo-operator-secret" });
        var forgedToken = await CliRunner.RunAsync(["audit", "replay", "--vault", app.BaseUrl, "--token", "eyJhbGciOiJub25lIn0.e30."]);
        var unknownCustomer = await CliRunner.RunAsync(["audit", "export", "--customer", Guid.NewGuid().ToString()], AuditorEnvironment());
        var unreachable = await CliRunner.RunAsync(["audit", "verify", "--vault", "http://127.0.0.1:1", "--token", "t"]);
        var notAVault = await CliRunner.RunAsync(["audit", "verify", "--vault", app.BaseUrl + "/not-here/", "--token", "t"]);

        Assert.True(wrongSecret.Code == ExitCodes.AccessDenied, wrongSecret.ToString());
        Assert.Contains("refused the client credentials of 'demo-auditor'", wrongSecret.Error);
        Assert.True(operatorToken.Code == ExitCodes.AccessDenied, operatorToken.ToString());
        Assert.Contains("403", operatorToken.Error);
        Assert.Contains("auditor", operatorToken.Error);
        Assert.True(forgedToken.Code == ExitCodes.AccessDenied, forgedToken.ToString());
        Assert.Contains("401", forgedToken.Error);
        Assert.True(unknownCustomer.Code == ExitCodes.NotFound, unknownCustomer.ToString());
        Assert.Contains("No customer", unknownCustomer.Error);
        Assert.True(unreachable.Code == ExitCodes.DatabaseUnavailable, unreachable.ToString());
        Assert.Contains("Cannot reach the vault", unreachable.Error);
        Assert.True(notAVault.Code == ExitCodes.DatabaseUnavailable, notAVault.ToString());
        Assert.Contains("is not a CustomerVault", notAVault.Error);
        Assert.All([wrongSecret, operatorToken, forgedToken, unknownCustomer, unreachable, notAVault], run => Assert.Equal("", run.Output));
    }

    [Theory]
    [InlineData("audit", "verify", "--vault", "http://127.0.0.1:5080", "--connection", "Host=localhost")]
    [InlineData("audit", "verify", "--vault", "http://127.0.0.1:5080")]
    [InlineData("audit", "verify", "--vault", "http://vault.example.com", "--token", "t")]
    [InlineData("audit", "verify", "--vault", "not a url", "--token", "t")]
    [InlineData("audit", "verify", "--token", "t", "--connection", "Host=localhost")]
    [InlineData("audit", "verify", "--output", "yaml")]
    [InlineData("audit", "export", "--customer", "0193a2f0-0000-7000-8000-000000000001", "--output", "json", "--format", "csv", "--vault", "http://127.0.0.1:5080", "--token", "t")]
    public async Task A_command_line_that_cannot_work_exits_2_before_anything_is_read(params string[] args)
    {
        var run = await CliRunner.RunAsync(args);

        Assert.True(run.Code == ExitCodes.Usage, run.ToString());
        Assert.Contains("--help", run.Error);
        Assert.Equal("", run.Output);
    }

    private async Task MakeCheckpointAsync()
    {
        using var admin = await app.OperatorAsync();
        await (await admin.PostAsync("/v1/audit/checkpoints", null)).JsonAsync();
    }

    private async Task<string> AuditorTokenAsync()
    {
        var token = await app.ClientCredentialsAsync("demo-auditor", "demo-auditor-secret");
        Assert.False(token.IsError, token.ErrorDescription);
        return token.AccessToken!;
    }

    private async Task<JsonWebKeySet> PublishedKeysAsync()
    {
        using var client = app.CreateApiClient();
        return new JsonWebKeySet(await client.GetStringAsync("/.well-known/jwks"));
    }

    private Dictionary<string, string?> AuditorEnvironment() => new()
    {
        [VaultCli.UrlVariable] = app.BaseUrl,
        [VaultCli.ClientIdVariable] = "demo-auditor",
        [VaultCli.ClientSecretVariable] = "demo-auditor-secret",
    };

    /// <summary>The built CLI as a process of its own, its stdout and stderr pipes as a script's would be.</summary>
    private async Task<(int Code, string Output, string Error)> RunProcessAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "customervault.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("ConnectionStrings__Vault");
        foreach (var (name, value) in AuditorEnvironment())
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }
}
