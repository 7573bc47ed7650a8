using System.Diagnostics;
using CustomerVault.Infrastructure.Database;
using Duende.IdentityModel.Client;
using Npgsql;

namespace CustomerVault.Benchmarks;

/// <summary>
/// Times the auditors' as-of query for one customer, one request after another: through the API
/// (GET /v1/audit/customers/{id}/grants?asOf=), and as the reference, the same events fetched by one plain SQL query.
/// </summary>
public static class AsOfLatency
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Arguments(args);
        using var http = new HttpClient { BaseAddress = new Uri(options["--api"]) };
        http.SetBearerToken(await BenchVendors.TokenAsync(http, "demo-auditor", "demo-auditor-secret", "vault.audit"));
        var url = $"/v1/audit/customers/{options["--customer"]}/grants?asOf={Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("O"))}";
        await MeasureAsync("as-of latency", options.Int("--samples"), async () =>
        {
            using var response = await http.GetAsync(url);
            await response.Content.ReadAsByteArrayAsync();
            response.EnsureSuccessStatusCode();
        });
        return 0;
    }

    /// <summary>The rows the as-of view is folded from (the customer's streams' events up to the instant), by one query, read to the end.</summary>
    public static async Task<int> RunSqlAsync(string[] args)
    {
        var options = new Arguments(args);
        await using var dataSource = NpgsqlDataSource.Create(VaultDatabase.Tuned(SeedStore.ConnectionString(options["--data-directory"])));
        var customer = Guid.Parse(options["--customer"]);
        var asOf = DateTimeOffset.UtcNow;
        var rows = 0;
        await MeasureAsync("plain SQL latency", options.Int("--samples"), async () =>
        {
            await using var command = dataSource.CreateCommand(
                """
                SELECT seq_id, stream_id, version, type, timestamp, user_name, correlation_id, data::text
                FROM vault.mt_events
                WHERE stream_id = ANY(ARRAY(SELECT $1 UNION ALL SELECT id FROM vault.mt_doc_accessrequest WHERE customer_id = $1
                                            UNION ALL SELECT id FROM vault.mt_doc_grant WHERE customer_id = $1))
                  AND timestamp <= $2
                ORDER BY seq_id
                """);
            command.Parameters.AddWithValue(customer);
            command.Parameters.AddWithValue(asOf);
            await using var reader = await command.ExecuteReaderAsync();
            rows = 0;
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    _ = reader.GetValue(i);
                }

                rows++;
            }
        });
        Console.WriteLine($"rows per query: {rows}");
        return 0;
    }

    private static async Task MeasureAsync(string what, int samples, Func<Task> once)
    {
        // Warm up first: the server compiles its hot paths to optimised code only after some calls.
        for (var i = 0; i < 150; i++)
        {
            await once();
        }

        var timings = new List<double>(samples);
        for (var i = 0; i < samples; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            await once();
            timings.Add(stopwatch.Elapsed.TotalMilliseconds);
        }

        timings.Sort();
        Console.WriteLine(FormattableString.Invariant(
            $"{what} over {samples} requests: p50 {timings[samples / 2]:F1} ms, p99 {timings[(int)(samples * 0.99)]:F1} ms, max {timings[^1]:F1} ms"));
    }
}
