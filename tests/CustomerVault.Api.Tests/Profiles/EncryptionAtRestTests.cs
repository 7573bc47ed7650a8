using System.Net;
using System.Text;
using CustomerVault.Api.Tests.Support;
using Npgsql;

namespace CustomerVault.Api.Tests.Profiles;

public sealed class EncryptionAtRestTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task No_profile_value_appears_in_plain_text_in_any_event_or_document_table()
    {
        var customer = await app.SignUpAsync(email: "lovelace.plaintext.probe@example.org");
        using var api = app.CreateApiClient(customer.AccessToken);
        var patched = await api.PatchAsync("/v1/me/profile", new StringContent("""
            { "identity": { "name": { "given": "Zyxwvutsrq", "family": "Qponmlkjih" }, "birthdate": "1987-06-05" },
              "contact": { "phone": "+4930987654321",
                           "postal": { "lines": ["77 Plaintextprobe Lane"], "locality": "Probetown", "postalCode": "PT1 7QQ", "country": "GB" } },
              "preferences": { "interests": ["probeinterest"] } }
            """, Encoding.UTF8, "application/merge-patch+json"));
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);

        var dump = await DumpVaultSchemaAsync();

        Assert.Contains(customer.Id.ToString(), dump); // the dump does hold this customer's rows
        foreach (var value in new[]
                 {
                     "lovelace.plaintext.probe", "Zyxwvutsrq", "Qponmlkjih", "1987-06-05", "4930987654321",
                     "Plaintextprobe", "Probetown", "PT1 7QQ", "probeinterest",
                 })
        {
            Assert.DoesNotContain(value, dump, StringComparison.OrdinalIgnoreCase);
        }
    }

    private async Task<string> DumpVaultSchemaAsync()
    {
        await using var db = await app.OpenDatabaseAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = 'vault' AND table_type = 'BASE TABLE'", db))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Contains("mt_events", tables);
        var dump = new StringBuilder();
        foreach (var table in tables)
        {
            await using var select = new NpgsqlCommand($"SELECT t::text FROM vault.\"{table}\" t", db);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                dump.AppendLine(reader.GetString(0));
            }
        }

        return dump.ToString();
    }
}
