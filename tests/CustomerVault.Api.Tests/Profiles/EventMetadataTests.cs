using System.Net;
using System.Text;
using CustomerVault.Api.Tests.Support;
using Npgsql;

namespace CustomerVault.Api.Tests.Profiles;

public sealed class EventMetadataTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task Every_event_records_who_caused_it_the_requests_trace_id_and_the_vaults_time()
    {
        var customer = await app.SignUpAsync();
        using var api = app.CreateApiClient(customer.AccessToken);
        const string traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        var request = new HttpRequestMessage(HttpMethod.Patch, "/v1/me/profile")
        {
            Content = new StringContent("""{ "contact": { "phone": "+4930123456" } }""", Encoding.UTF8, "application/merge-patch+json"),
            Headers = { { "traceparent", $"00-{traceId}-00f067aa0ba902b7-01" } },
        };

        Assert.Equal(HttpStatusCode.OK, (await api.SendAsync(request)).StatusCode);

        await using var db = await app.OpenDatabaseAsync();
        await using var select = new NpgsqlCommand(
            "SELECT type, user_name, correlation_id, timestamp FROM vault.mt_events WHERE stream_id = $1 ORDER BY version", db)
        {
            Parameters = { new() { Value = customer.Id } },
        };
        await using var reader = await select.ExecuteReaderAsync();
        var rows = new List<(string Type, string User, string? Correlation, DateTimeOffset At)>();
        while (await reader.ReadAsync())
        {
            rows.Add((reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }

        Assert.Equal(["customer_registered", "profile_attribute_set", "profile_attribute_set"], rows.Select(r => r.Type));
        Assert.All(rows, r => Assert.Equal($"customer:{customer.Id}", r.User));
        Assert.All(rows, r => Assert.False(string.IsNullOrEmpty(r.Correlation)));
        Assert.Equal(traceId, rows[^1].Correlation);
        Assert.All(rows, r => Assert.Equal(app.Clock.GetUtcNow(), r.At, TimeSpan.FromMilliseconds(1)));
    }
}
