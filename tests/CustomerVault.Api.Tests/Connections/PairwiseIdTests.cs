using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;
using Npgsql;

namespace CustomerVault.Api.Tests.Connections;

/// <summary>Each vendor knows a customer under an id of its own; her vault id and another vendor's id name no one.</summary>
public sealed class PairwiseIdTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task Two_vendors_know_one_customer_under_two_ids_and_neither_id_works_for_the_other()
    {
        var a = await app.RegisterVendorAsync();
        var b = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.GrantAsync(a, customer);
        await app.GrantAsync(b, customer);

        var atA = await app.ConnectAsync(a, customer);
        var atB = await app.ConnectAsync(b, customer);

        Assert.NotEqual(atA, atB);
        Assert.NotEqual(customer.Id, atA);
        Assert.Equal(atA, await app.ConnectAsync(a, customer));
        Assert.Equal(HttpStatusCode.OK, (await app.Api(a).ReadProfileAsync(atA)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Api(b).ReadProfileAsync(atB)).StatusCode);
        await AssertNoOneAsync(app.Api(a), atB);
        await AssertNoOneAsync(app.Api(b), atA);
    }

    [Fact]
    public async Task The_vault_id_is_refused_on_every_vendor_path()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.GrantAsync(vendor, customer, contactTerms: new { channels = new[] { "email" }, maxContactsPerWeek = 2 });

        await AssertNoOneAsync(app.Api(vendor), customer.Id);
    }

    [Fact]
    public async Task Everything_the_vendor_is_shown_names_her_by_its_id_and_never_by_her_vault_id()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var vendorApi = app.Api(vendor);
        var requestId = await (await vendorApi.RequestAccessAsync(customerId, "phone")).IdAsync();

        var shown = new List<JsonObject>
        {
            await (await vendorApi.GetAsync($"/v1/grants/{grantId}")).JsonAsync(),
            await (await vendorApi.GetAsync($"/v1/access-requests/{requestId}")).JsonAsync(),
            await (await vendorApi.GetAsync($"/v1/grants?customerId={customerId}")).JsonAsync(),
            await (await vendorApi.GetAsync($"/v1/access-requests?customerId={customerId}")).JsonAsync(),
            await (await vendorApi.ReadProfileAsync(customerId)).JsonAsync(),
            await (await vendorApi.GetAsync($"/v1/grants/{grantId}/receipt")).JsonAsync(),
            await (await vendorApi.GetAsync($"/v1/connections/{customerId}")).JsonAsync(),
            await (await vendorApi.GetAsync("/v1/connections")).JsonAsync(),
        };

        Assert.All(shown, body => Assert.DoesNotContain(customer.Id.ToString(), body.ToJsonString(), StringComparison.OrdinalIgnoreCase));
        Assert.Equal(customerId.ToString(), (string?)shown[0]["customerId"]);
        Assert.Equal(customerId.ToString(), (string?)shown[1]["customerId"]);
        Assert.Equal(grantId.ToString(), (string?)Assert.Single(shown[2]["items"]!.AsArray())!["id"]);
        Assert.Equal(customerId.ToString(), (string?)shown[4]["customerId"]);
        Assert.Equal(customerId.ToString(), (string?)shown[5]["receipt"]!["piiPrincipalId"]);
        Assert.Equal("connected", (string?)shown[6]["status"]);
        Assert.Contains(shown[7]["items"]!.AsArray(), c => (string?)c!["customerId"] == customerId.ToString());

        // She sees her own vault id in her views.
        var mine = await (await app.Api(customer).GetAsync($"/v1/me/grants/{grantId}")).JsonAsync();
        Assert.Equal(customer.Id.ToString(), (string?)mine["customerId"]);
    }

    [Fact]
    public async Task Relationships_that_predate_pairwise_ids_get_one_at_start_up_and_vendors_find_it_through_their_grants()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.SetProfileAsync(customer, """{ "identity": { "name": { "given": "Oldtimer" } } }""");
        var grantId = await app.GrantAsync(vendor, customer);
        // As the data of a vault from before pairwise ids: the grant, no connection, and that version's schema scripts
        // (a different set, so the upgraded vault installs its own, the backfill among them).
        await ExecuteAsync($"DELETE FROM vault.connections WHERE vendor_id = '{vendor.Id}'");
        await ExecuteAsync("DELETE FROM vault.schema_scripts");

        await using (var upgraded = new ConnectedVaultApp(app.ConnectionString))
        {
            await upgraded.InitializeAsync();
        }

        using var vendorApi = app.Api(vendor);
        var customerId = Guid.Parse((string)(await (await vendorApi.GetAsync($"/v1/grants/{grantId}")).JsonAsync())["customerId"]!);
        Assert.NotEqual(customer.Id, customerId);
        Assert.Equal("existing", (string?)(await (await vendorApi.GetAsync($"/v1/connections/{customerId}")).JsonAsync())["via"]);
        Assert.Contains("Oldtimer", await (await vendorApi.ReadProfileAsync(customerId)).Content.ReadAsStringAsync());
        await AssertNoOneAsync(vendorApi, customer.Id);
    }

    [Fact]
    public async Task Erasure_cuts_every_vendors_id_loose_from_her_and_no_restart_restores_the_link()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer);
        var customerId = await app.ConnectAsync(vendor, customer);

        (await app.Api(customer).DeleteAsync("/v1/me")).EnsureSuccessStatusCode();
        await using (var restarted = new ConnectedVaultApp(app.ConnectionString))
        {
            await restarted.InitializeAsync();
        }

        Assert.Equal(0L, await ScalarAsync($"SELECT count(*) FROM vault.connections WHERE customer_id = '{customer.Id}'"));
        using var vendorApi = app.Api(vendor);
        await (await vendorApi.ReadProfileAsync(customerId)).AssertProblemAsync(HttpStatusCode.Gone);
        Assert.Equal("erased", (string?)(await (await vendorApi.GetAsync($"/v1/connections/{customerId}")).JsonAsync())["status"]);
        var grant = await (await vendorApi.GetAsync($"/v1/grants/{grantId}")).JsonAsync();
        Assert.Equal("revoked", (string?)grant["status"]);
        Assert.Null(grant["customerId"]);
    }

    [Fact]
    public async Task Discovery_says_subjects_are_pairwise()
    {
        var discovery = await (await app.CreateApiClient().GetAsync("/.well-known/openid-configuration")).JsonAsync();

        Assert.Equal(["pairwise"], discovery["subject_types_supported"]!.AsArray().Select(t => (string?)t));
    }

    // Every vendor path that names a customer answers as if no one had that id.
    private static async Task AssertNoOneAsync(HttpClient vendorApi, Guid id)
    {
        await (await vendorApi.ReadProfileAsync(id)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await vendorApi.RequestAccessAsync(id)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await vendorApi.GetAsync($"/v1/customers/{id}/contact-permission?channel=email")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await vendorApi.PostAsJsonAsync($"/v1/customers/{id}/contacts", new { channel = "post" })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await vendorApi.SendMessageAsync(id, "portal")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await (await vendorApi.GetAsync($"/v1/messages?customerId={id}")).JsonAsync())["items"]!.AsArray());
        await (await vendorApi.GetAsync($"/v1/connections/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Empty((await (await vendorApi.GetAsync($"/v1/grants?customerId={id}")).JsonAsync())["items"]!.AsArray());
        Assert.Empty((await (await vendorApi.GetAsync($"/v1/access-requests?customerId={id}")).JsonAsync())["items"]!.AsArray());
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var db = await app.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(sql, db);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<object?> ScalarAsync(string sql)
    {
        await using var db = await app.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(sql, db);
        return await command.ExecuteScalarAsync();
    }
}
