using System.Diagnostics;
using System.Globalization;
using Duende.IdentityModel.Client;

namespace CustomerVault.Benchmarks;

/// <summary>Times GET /v1/audit/customers/{id}/grants?asOf= for one customer, one request after another.</summary>
public static class AsOfLatency
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = Enumerable.Range(0, args.Length / 2).ToDictionary(i => args[2 * i], i => args[(2 * i) + 1]);
        var samples = int.Parse(options["--samples"], CultureInfo.InvariantCulture);
        using var http = new HttpClient { BaseAddress = new Uri(options["--api"]) };
        var token = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "/connect/token", ClientId = "demo-auditor", ClientSecret = "demo-auditor-secret", Scope = "vault.audit",
        });
        http.SetBearerToken(token.AccessToken!);
        var url = $"/v1/audit/customers/{options["--customer"]}/grants?asOf={Uri.EscapeDataString(DateTimeOffset.UtcNow.ToString("O"))}";

        // Warm up first: the server compiles its hot paths to optimised code only after some calls.
        for (var i = 0; i < 150; i++)
        {
            (await http.GetAsync(url)).EnsureSuccessStatusCode();
        }

        var timings = new List<double>(samples);
        for (var i = 0; i < samples; i++)
        {
            var stopwatch = Stopwatch.StartNew();
            var response = await http.GetAsync(url);
            await response.Content.ReadAsByteArrayAsync();
            timings.Add(stopwatch.Elapsed.TotalMilliseconds);
            response.EnsureSuccessStatusCode();
        }

        timings.Sort();
        Console.WriteLine(FormattableString.Invariant(
            $"as-of latency over {samples} requests: p50 {timings[samples / 2]:F1} ms, p99 {timings[(int)(samples * 0.99)]:F1} ms, max {timings[^1]:F1} ms"));
        return 0;
    }
}
