using System.Net;
using System.Net.Http.Json;
using CustomerVault.Api.Tests.Support;
using Duende.IdentityModel.Client;
using Npgsql;

namespace CustomerVault.Api.Tests.MyData;

public sealed class ErasureTests(WebhookVaultApp app) : IClassFixture<WebhookVaultApp>, IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task After_erasure_nothing_she_entered_is_stored_her_history_still_verifies_and_vendors_get_410()
    {
        var unique = Guid.NewGuid().ToString("N")[..10];
        var (given, family, phone) = ($"Zebulon{unique}", $"Quillfeather{unique}", "+4420718" + Random.Shared.Next(10000, 99999));
        var vendor = await app.RegisterVendorAsync(webhookUrl: _receiver.Url);
        var asking = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync(email: $"erase.{unique}@example.org");
        await app.SetProfileAsync(customer, $$"""{ "identity": { "name": { "given": "{{given}}", "family": "{{family}}" } }, "contact": { "phone": "{{phone}}" } }""");
        var grantId = await app.GrantAsync(vendor, customer, "name email phone");
        var customerId = await app.ConnectAsync(vendor, customer);
        var customerAtAsking = await app.ConnectAsync(asking, customer);
        using var vendorApi = app.Api(vendor);
        (await vendorApi.GetAsync($"/v1/customers/{customerId}/profile?purpose=marketing")).EnsureSuccessStatusCode();
        var pendingId = await (await app.Api(asking).RequestAccessAsync(customerAtAsking)).IdAsync();
        Assert.Contains(customer.Email, await DumpAsync());

        using var customerApi = app.Api(customer);
        var report = await (await customerApi.DeleteAsync("/v1/me")).JsonAsync();

        Assert.Equal([grantId.ToString()], report["revokedGrants"]!.AsArray().Select(g => (string?)g));
        Assert.Equal([pendingId.ToString()], report["deniedRequests"]!.AsArray().Select(r => (string?)r));
        var dump = await DumpAsync();
        foreach (var value in new[] { given, family, phone, customer.Email, $"erase.{unique}" })
        {
            Assert.DoesNotContain(value, dump, StringComparison.OrdinalIgnoreCase);
        }

        await (await vendorApi.GetAsync($"/v1/customers/{customerId}/profile?purpose=marketing")).AssertProblemAsync(HttpStatusCode.Gone);
        await (await app.Api(asking).RequestAccessAsync(customerAtAsking)).AssertProblemAsync(HttpStatusCode.Gone);
        await (await customerApi.GetAsync("/v1/me/profile")).AssertProblemAsync(HttpStatusCode.Gone);
        await (await customerApi.GetAsync("/v1/me/export")).AssertProblemAsync(HttpStatusCode.Gone);
        await (await customerApi.GetAsync("/v1/me/grants")).AssertProblemAsync(HttpStatusCode.Gone);
        await (await customerApi.DeleteAsync("/v1/me")).AssertProblemAsync(HttpStatusCode.Gone);

        var revoked = (await _receiver.WaitForAsync(r => r.Any(w => w.Type == "com.customervault.grant.revoked")))
            .Single(w => w.Type == "com.customervault.grant.revoked");
        Assert.Equal(grantId.ToString(), (string?)revoked.Data["grantId"]);

        using var auditor = await app.AuditorAsync();
        var history = System.Text.Json.Nodes.JsonNode.Parse(await auditor.GetStringAsync($"/v1/audit/customers/{customer.Id}/history"))!["items"]!.AsArray();
        Assert.Contains(history, e => (string?)e!["type"] == "customer_erased");
        Assert.Contains(history, e => (string?)e!["type"] == "grant_revoked");
        var verify = await (await auditor.GetAsync($"/v1/audit/customers/{customer.Id}/verify")).JsonAsync();
        Assert.True((bool)verify["intact"]!, verify.ToJsonString());
    }

    [Fact]
    public async Task After_erasure_she_cannot_sign_in_and_her_refresh_token_is_dead()
    {
        var customer = await app.SignUpAsync();
        using var customerApi = app.Api(customer);

        (await customerApi.DeleteAsync("/v1/me")).EnsureSuccessStatusCode();

        await Assert.ThrowsAnyAsync<Exception>(() => app.SignInAsync(customer.Email, customer.Password));
        using var client = app.CreateApiClient();
        var refreshed = await client.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = "/connect/token",
            ClientId = VaultApp.CustomerAppClientId,
            RefreshToken = customer.Tokens.RefreshToken!,
        });
        Assert.Equal("invalid_grant", refreshed.Error);
    }

    [Fact]
    public async Task Erasure_needs_both_customer_scopes_and_one_customer_cannot_erase_another()
    {
        var customer = await app.SignUpAsync();
        var other = await app.SignUpAsync();
        var profileOnly = await app.SignInAsync(customer.Email, customer.Password, "openid vault.profile");

        await (await app.CreateApiClient(profileOnly.AccessToken).DeleteAsync("/v1/me")).AssertProblemAsync(HttpStatusCode.Forbidden);
        (await app.Api(other).DeleteAsync("/v1/me")).EnsureSuccessStatusCode();

        (await app.Api(customer).GetAsync("/v1/me/profile")).EnsureSuccessStatusCode();
    }

    // A raw dump of every table in the vault's database, rows as text.
    private async Task<string> DumpAsync()
    {
        await using var connection = await app.OpenDatabaseAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
                         "SELECT format('%I.%I', table_schema, table_name) FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')",
                         connection))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Contains(tables, t => t.EndsWith("mt_events", StringComparison.Ordinal));
        var dump = new System.Text.StringBuilder();
        foreach (var table in tables)
        {
            await using var rows = new NpgsqlCommand($"SELECT coalesce(string_agg(t::text, E'\\n'), '') FROM {table} t", connection);
            dump.AppendLine((string)(await rows.ExecuteScalarAsync())!);
        }

        return dump.ToString();
    }
}
