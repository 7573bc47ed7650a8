using System.Net;
using CustomerVault.Api.Tests.Support;
using Npgsql;

namespace CustomerVault.Api.Tests.Consents;

public sealed class AccessLogFailureTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task A_read_whose_access_log_write_fails_returns_an_error_and_no_profile_data()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        await app.SetProfileAsync(customer, """{ "identity": { "name": { "given": "Unloggedname" } } }""");
        await app.GrantAsync(vendor, customer);
        var customerId = await app.ConnectAsync(vendor, customer);
        using var vendorApi = app.Api(vendor);

        // The database itself refuses the log record, as a full disk or a lost connection would.
        await ExecuteAsync("""
            CREATE FUNCTION vault.refuse_access_log() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'access log unavailable'; END $$ LANGUAGE plpgsql;
            CREATE TRIGGER refuse_access_log BEFORE INSERT ON vault.access_log FOR EACH ROW EXECUTE FUNCTION vault.refuse_access_log();
            """);
        HttpResponseMessage refused;
        try
        {
            refused = await vendorApi.ReadProfileAsync(customerId);
        }
        finally
        {
            await ExecuteAsync("DROP TRIGGER refuse_access_log ON vault.access_log; DROP FUNCTION vault.refuse_access_log();");
        }

        var body = await refused.Content.ReadAsStringAsync();
        await refused.AssertProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.DoesNotContain("Unloggedname", body);
        Assert.DoesNotContain(customer.Email, body);

        var served = await vendorApi.ReadProfileAsync(customerId);
        Assert.Contains("Unloggedname", await served.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_grant_written_without_its_version_column_refuses_only_the_reads_relying_on_it()
    {
        // As a node of an older version writes a grant during a rolling upgrade: the document, but not the column.
        var vendor = await app.RegisterVendorAsync();
        var unfilled = await app.SignUpAsync();
        var filled = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, unfilled);
        await app.GrantAsync(vendor, filled);
        await ExecuteAsync($"UPDATE vault.mt_doc_grant SET version = NULL WHERE id = '{grantId}'");
        using var vendorApi = app.Api(vendor);

        var reads = await Task.WhenAll(
            vendorApi.ReadProfileAsync(await app.ConnectAsync(vendor, unfilled)), vendorApi.ReadProfileAsync(await app.ConnectAsync(vendor, filled)));

        await reads[0].AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(HttpStatusCode.OK, reads[1].StatusCode);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var db = await app.OpenDatabaseAsync();
        await using var command = new NpgsqlCommand(sql, db);
        await command.ExecuteNonQueryAsync();
    }
}
