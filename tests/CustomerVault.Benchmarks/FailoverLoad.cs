using System.Globalization;
using System.Text.Json;
using Duende.IdentityModel.Client;

namespace CustomerVault.Benchmarks;

/// <summary>
/// The client side of tests/ha/failover.sh: customers and a vendor use two vault nodes (consent writes: access
/// requests, approvals, revocations; vendor reads) while the script kills the database leader. Every write the vault
/// acknowledged is then looked up in the database, and every read that started after its grant's revocation was
/// acknowledged must have been refused. A write that failed is retried like a careful client would: the access
/// request with the same Idempotency-Key, an approval or revocation by reading the state when the retry conflicts.
/// </summary>
public static partial class FailoverLoad
{
    private const string Vendor = "demo-vendor";
    private const string VendorSecret = "demo-vendor-secret";
    private const string CustomerApp = "vault-customer-app";
    private const string CustomerAppRedirect = "http://127.0.0.1:5081/callback";
    private const string Password = "failover drill passphrase";
    private static readonly TimeSpan RetryBudget = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Enumerable.Range(0, args.Length / 2).ToDictionary(i => args[2 * i], i => args[(2 * i) + 1]);
        var nodes = options["--api"].Split(',').Select((url, i) => new Node($"node{i + 1}", url)).ToArray();
        var duration = TimeSpan.FromSeconds(int.Parse(options["--duration"], CultureInfo.InvariantCulture));
        var writers = int.Parse(options.GetValueOrDefault("--writers", "8"), CultureInfo.InvariantCulture);
        var readers = int.Parse(options.GetValueOrDefault("--readers", "8"), CultureInfo.InvariantCulture);
        var run = new Run(nodes, options["--connection"]);

        Console.Error.WriteLine($"Signing up {writers + readers} customers and granting the readers' vendor access");
        var vendorToken = await VendorTokenAsync(nodes[0]);
        var customers = await Task.WhenAll(Enumerable.Range(0, writers + readers).Select(i => SignUpAsync(nodes[i % nodes.Length], i, vendorToken)));
        var readPairs = new List<Guid>();
        foreach (var reader in customers.Skip(writers))
        {
            var requestId = await run.RequestAccessAsync(vendorToken, reader, nodes[0]) ?? throw new InvalidOperationException("Set-up request failed.");
            _ = await run.ApproveAsync(reader, requestId, nodes[0]) ?? throw new InvalidOperationException("Set-up approval failed.");
            readPairs.Add(reader.IdAtVendor);
        }

        run.Acknowledged.Clear();
        Console.Error.WriteLine($"Load: {writers} writers, {readers} readers, {duration.TotalSeconds:F0} s, through {string.Join(" and ", nodes.Select(n => n.Url))}");
        if (options.TryGetValue("--started", out var startedFile))
        {
            await File.WriteAllTextAsync(startedFile, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        }

        using var stop = new CancellationTokenSource(duration);
        var probe = run.ProbeWritesAsync(options["--probe"], stop.Token);
        var load = customers.Take(writers).Select((customer, i) => run.WriteCyclesAsync(vendorToken, customer, i, stop.Token))
            .Concat(readPairs.Select((customerId, i) => run.ReadAsync(vendorToken, customerId, i, stop.Token)));
        await Task.WhenAll(load);
        await probe;

        long? killedAt = options.TryGetValue("--killed", out var killedFile) && File.Exists(killedFile)
            ? long.Parse((await File.ReadAllTextAsync(killedFile)).Trim(), CultureInfo.InvariantCulture)
            : null;
        var report = await run.ReportAsync(killedAt);
        Console.WriteLine(report.Text);
        if (options.TryGetValue("--report", out var reportFile))
        {
            await File.WriteAllTextAsync(reportFile, JsonSerializer.Serialize(report.Figures));
        }

        return report.Passed ? 0 : 1;
    }

    private sealed record Node(string Name, string Url)
    {
        public HttpClient Http { get; } = new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri(Url),
            Timeout = TimeSpan.FromSeconds(15),
        };
    }

    /// <summary>A customer: the vendor's id for her (learnt from her connection code) and her own access token.</summary>
    private sealed record Customer(Guid IdAtVendor, string Token);

    /// <summary>A write the vault answered 2xx, or that a retry proved saved.</summary>
    private sealed record Write(string Kind, Guid Stream, string EventType, bool ConfirmedByRetry);

    private sealed record Report(string Text, Dictionary<string, object?> Figures, bool Passed);

    private static async Task<string> VendorTokenAsync(Node node)
    {
        var response = await node.Http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "/connect/token", ClientId = Vendor, ClientSecret = VendorSecret, Scope = "vault.access",
        });
        return response.IsError ? throw new InvalidOperationException($"{Vendor}: {response.Error} {response.ErrorDescription}") : response.AccessToken!;
    }
}
