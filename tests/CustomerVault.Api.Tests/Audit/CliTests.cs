using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Cli;
using Npgsql;

namespace CustomerVault.Api.Tests.Audit;

/// <summary>The CLI's commands on the database, run in-process against the test database, with their error paths.</summary>
public sealed class CliTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task Replay_rebuilds_every_projection_from_the_events()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, "name email", "email");
        var customerId = await app.ConnectAsync(vendor, customer);
        await ExecuteAsync($"UPDATE vault.mt_doc_grant SET data = jsonb_set(data, '{{Scopes}}', '[\"name\", \"email\", \"phone\"]') WHERE id = '{grantId}'");
        await ExecuteAsync($"DELETE FROM vault.mt_doc_profile WHERE id = '{customer.Id}'");

        var (exitCode, output) = await RunAsync("audit", "replay");

        Assert.Equal(ExitCodes.Ok, exitCode);
        Assert.Matches(@"Replayed \d+ events of \d+ streams", output);
        using var vendorApi = app.Api(vendor);
        var read = await (await vendorApi.ReadProfileAsync(customerId)).JsonAsync();
        Assert.Equal(["email"], read["scopes"]!.AsArray().Select(s => (string?)s));
        Assert.Equal(customer.Email, (string?)read["profile"]!["contact"]!["email"]);
    }

    [Fact]
    public async Task Verify_passes_on_an_intact_store_and_fails_naming_the_stream_and_version_after_tampering()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer);
        using var admin = await app.OperatorAsync();
        await admin.PostAsJsonAsync("/v1/audit/checkpoints", new { });

        var (intactCode, intactOutput) = await RunAsync("audit", "verify");
        Assert.Equal(ExitCodes.Ok, intactCode);
        Assert.Contains("Chains intact", intactOutput);
        Assert.Contains("matches", intactOutput);

        await ExecuteAsync($"UPDATE vault.mt_events SET data = jsonb_set(data, '{{Purpose}}', '\"analytics\"') WHERE stream_id = '{grantId}' AND version = 1");
        var (brokenCode, brokenOutput) = await RunAsync("audit", "verify");

        Assert.Equal(ExitCodes.VerificationFailed, brokenCode);
        Assert.Contains($"stream {grantId}, version 1", brokenOutput);
        Assert.Contains("does NOT match", brokenOutput);
        await ExecuteAsync($"UPDATE vault.mt_events SET data = jsonb_set(data, '{{Purpose}}', '\"marketing\"') WHERE stream_id = '{grantId}' AND version = 1");
    }

    [Fact]
    public async Task Export_writes_a_customers_history_as_NDJSON_or_CSV_without_profile_values()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync(email: "export.probe@example.org");
        await app.GrantAsync(vendor, customer);

        var (ndjsonCode, ndjson) = await RunAsync("audit", "export", "--customer", customer.Id.ToString(), "--format", "ndjson");
        var (csvCode, csv) = await RunAsync("audit", "export", "--customer", customer.Id.ToString(), "--format", "csv");

        Assert.Equal(ExitCodes.Ok, ndjsonCode);
        var lines = ndjson.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => l.StartsWith('{')).ToList();
        Assert.Equal(["customer_registered", "profile_attribute_set", "access_requested", "access_request_approved", "access_granted"],
            lines.Select(l => (string?)JsonNode.Parse(l)!["type"]));
        Assert.Equal(ExitCodes.Ok, csvCode);
        Assert.StartsWith("sequence,at,stream", csv.TrimStart());
        Assert.DoesNotContain("export.probe", ndjson + csv);
    }

    [Fact]
    public async Task As_of_prints_the_grants_as_they_stood()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer);

        var (code, output) = await RunAsync("audit", "as-of", "--customer", customer.Id.ToString(), "--at", app.Clock.GetUtcNow().AddSeconds(1).ToString("O"), "--output", "json");

        Assert.Equal(ExitCodes.Ok, code);
        var view = JsonNode.Parse(output)!;
        Assert.Equal(grantId.ToString(), (string?)view["grants"]![0]!["id"]);
    }

    [Fact]
    public async Task An_unknown_customer_exits_4()
    {
        var (code, output) = await RunAsync("audit", "export", "--customer", Guid.NewGuid().ToString());

        Assert.Equal(ExitCodes.NotFound, code);
        Assert.Contains("No customer", output);
    }

    [Fact]
    public async Task A_bad_connection_string_exits_3_with_a_clear_message()
    {
        var (code, output) = await RunRawAsync(["audit", "verify", "--connection", "Host=127.0.0.1;Port=1;Database=nothing;Username=x;Password=y;Timeout=2"]);

        Assert.Equal(ExitCodes.DatabaseUnavailable, code);
        Assert.Contains("Cannot reach the vault's database", output);
    }

    [Fact]
    public async Task A_database_without_a_vault_exits_3()
    {
        var server = await TestDatabase.ServerAsync();
        var (code, output) = await RunRawAsync(["audit", "replay", "--connection", server.ConnectionString("postgres").ConnectionString]);

        Assert.Equal(ExitCodes.DatabaseUnavailable, code);
        Assert.Contains("holds no vault", output);
    }

    [Theory]
    [InlineData("audit", "export")]
    [InlineData("audit", "export", "--customer", "not-a-guid")]
    [InlineData("audit", "export", "--customer", "0193a2f0-0000-7000-8000-000000000001", "--format", "xml")]
    [InlineData("audit", "fly")]
    public async Task A_bad_command_line_exits_2(params string[] args)
    {
        var (code, output) = await RunRawAsync(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--help", output);
    }

    private Task<(int Code, string Output)> RunAsync(params string[] args) => RunRawAsync([.. args, "--connection", app.ConnectionString]);

    // stdout and stderr together, as a person at a terminal reads them.
    private static async Task<(int Code, string Output)> RunRawAsync(string[] args)
    {
        var run = await CliRunner.RunAsync(args);
        return (run.Code, run.Output + run.Error);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var db = await app.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(sql, db);
        await command.ExecuteNonQueryAsync();
    }
}
