using System.Globalization;
using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Profiles;

namespace CustomerVault.Benchmarks;

/// <summary>
/// Prepares the write benchmark: vendors registered through the API and customers signed up through the pages (real
/// tokens for both), then what each write needs, appended to the event store directly: pending requests to approve,
/// active grants to narrow and revoke, and customers to send requests to. Writes the tokens (vendor-tokens.txt,
/// customer-tokens.txt, one a line) and one file of work items per path, one line per request the load generator
/// sends, each line starting with the line number of the caller's token (tests/benchmarks/writes.lua reads them).
/// </summary>
public static class WriteSeed
{
    private static readonly string[] Scopes = ["name", "email", "phone"];

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Arguments(args);
        var api = new Uri(options["--api"]);
        var items = options.Int("--items");
        var targets = options.Int("--request-targets");
        var workers = options.Int("--workers", 4);
        var outDirectory = options["--out-dir"];

        var vendors = await BenchVendors.LoadOrRegisterAsync(api, options.Int("--vendors"), Path.Combine(outDirectory, "vendors.txt"));
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        var customers = await BenchCustomers.SignUpAsync(api, options.Int("--customers"), parallel: 4);
        Console.Error.WriteLine($"{customers.Count} customers signed up in {stopwatch.Elapsed.TotalSeconds:F1} s");

        await using var store = SeedStore.Open(options["--data-directory"]);
        var now = CustomerVault.Infrastructure.VaultTime.Now(TimeProvider.System);

        // Customers that vendors send requests to: at most three pending requests per vendor and customer are allowed,
        // so there are enough of them for every request to be a new one.
        var targetIds = Enumerable.Range(0, targets).Select(_ => Guid.CreateVersion7()).ToArray();
        await SeedStore.FillAsync(store, "customers to send requests to", targets, 1000, workers, (session, first, end) =>
        {
            for (var i = first; i < end; i++)
            {
                session.Events.StartStream<Profile>(targetIds[i], new CustomerRegistered(targetIds[i], now));
            }

            return end - first;
        });

        // Vendors name those customers by their own ids for them, as connected vendors do: one connection per vendor and
        // customer the request items pair. Consecutive items ask different customers: requests to one customer take
        // her lock one after another, so items in the order of the vendors would have every connection queue on one.
        var pairs = Math.Min(items, vendors.Count * targets);
        int VendorOfPair(int i) => (i / targets) % vendors.Count;
        var pairwiseIds = new Guid[pairs];
        await SeedStore.FillAsync(store, "connections to them", pairs, 1000, workers, (session, first, end) =>
        {
            for (var i = first; i < end; i++)
            {
                pairwiseIds[i] = Guid.NewGuid();
                session.QueueSqlCommand($"INSERT INTO {ConnectionTables.Connections} (id, vendor_id, customer_id, via, connected_at) VALUES (?, ?, ?, ?, ?)",
                    pairwiseIds[i], vendors[VendorOfPair(i)].Id, targetIds[i % targets], Via.Existing, now);
            }

            return end - first;
        });

        var requests = new string[items];
        var grants = new string[items];
        await SeedStore.FillAsync(store, "pending requests and active grants", items, 500, workers, (session, first, end) =>
        {
            for (var i = first; i < end; i++)
            {
                var customer = customers[i % customers.Count];
                var vendor = vendors[(i / customers.Count) % vendors.Count].Id;
                var requestId = Guid.CreateVersion7();
                session.Events.StartStream<AccessRequest>(requestId,
                    new AccessRequested(requestId, vendor, customer.Id, Scopes, Purposes.Marketing, "Benchmark newsletter", "P1Y", null, now, now.AddDays(30)));
                requests[i] = $"{(i % customers.Count) + 1} {requestId}";

                var grantId = Guid.CreateVersion7();
                session.Events.StartStream<Grant>(grantId,
                    new AccessGranted(grantId, vendor, customer.Id, null, Scopes, Purposes.Marketing, "Benchmark", null, now, now.AddYears(1)));
                grants[i] = $"{(i % customers.Count) + 1} {grantId}";
            }

            return (end - first) * 2;
        });

        var expiresAt = now.AddDays(300).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        await Write("vendor-tokens", vendors.Select(v => v.Token));
        await Write("customer-tokens", customers.Select(c => c.Token));
        await Write("request", Enumerable.Range(0, items).Select(i => $"{VendorOfPair(i % pairs) + 1} {pairwiseIds[i % pairs]}"));
        await Write("approve", requests);
        await Write("grants", grants);
        await Write("grant", Enumerable.Range(0, items).Select(i => $"{(i % customers.Count) + 1} {vendors[(i / customers.Count) % vendors.Count].Id} {expiresAt}"));
        return 0;

        Task Write(string name, IEnumerable<string> lines) => File.WriteAllLinesAsync(Path.Combine(outDirectory, $"{name}.txt"), lines);
    }
}
