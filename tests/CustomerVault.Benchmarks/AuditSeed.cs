using System.Diagnostics;
using CustomerVault.Consents;
using CustomerVault.Profiles;
using CustomerVault.Vendors;

namespace CustomerVault.Benchmarks;

/// <summary>
/// Writes a consent history of the benchmark's size into the event store (inline projections and the hash chain
/// included, as in production): per customer a registration, a request that was approved, and a grant that was
/// narrowed five times and then revoked (10 events); plus one customer with a long history of denied requests.
/// </summary>
public static class AuditSeed
{
    private static readonly string[] Scopes = ["name", "birthdate", "email", "phone", "postal-address", "communication-preferences", "interests"];

    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Arguments(args);
        var customers = options.Int("--customers");
        var vendorCount = options.Int("--vendors");
        var heavyEvents = options.Int("--heavy-events");
        var workers = options.Int("--workers", 4);
        var stopwatch = Stopwatch.StartNew();

        await using var store = SeedStore.Open(options["--data-directory"]);
        var start = DateTimeOffset.UtcNow.AddDays(-400);
        var vendors = Enumerable.Range(0, vendorCount).Select(_ => Guid.CreateVersion7()).ToArray();
        var written = await SeedStore.FillAsync(store, "vendors", vendorCount, vendorCount, 1, (session, first, end) =>
        {
            for (var i = first; i < end; i++)
            {
                session.Events.StartStream<Vendor>(vendors[i], new VendorRegistered(vendors[i], $"bench-vendor-{i}-{vendors[i]:N}", $"Benchmark vendor {i}", null,
                    $"privacy@vendor{i}.example", Scopes, null, start));
            }

            return end - first;
        });

        written += await SeedStore.FillAsync(store, "customers", customers, 200, workers, (session, first, end) =>
        {
            for (var i = first; i < end; i++)
            {
                var at = start.AddMinutes(i);
                var customer = Guid.CreateVersion7();
                var vendor = vendors[i % vendors.Length];
                session.Events.StartStream<Profile>(customer, new CustomerRegistered(customer, at));

                var request = Guid.CreateVersion7();
                var grant = Guid.CreateVersion7();
                session.Events.StartStream<AccessRequest>(request,
                    new AccessRequested(request, vendor, customer, Scopes, Purposes.Marketing, "Benchmark newsletter", "P1Y", null, at, at.AddDays(30)),
                    new AccessRequestApproved(request, grant, Scopes, at.AddYears(1), at.AddHours(1)));

                var events = new List<object> { new AccessGranted(grant, vendor, customer, request, Scopes, Purposes.Marketing, "Benchmark newsletter", null, at.AddHours(1), at.AddYears(1)) };
                for (var n = 1; n <= 5; n++)
                {
                    events.Add(new GrantNarrowed(grant, [Scopes[^n]], Scopes[..^n], at.AddDays(n)));
                }

                events.Add(new GrantRevoked(grant, "Benchmark", at.AddDays(10)));
                session.Events.StartStream<Grant>(grant, events.ToArray());
            }

            return (end - first) * 10;
        });

        // One customer with a long history: many requests, each denied.
        var heavy = Guid.CreateVersion7();
        var heavyRequests = (heavyEvents - 1) / 2;
        written += await SeedStore.FillAsync(store, "the customer with a long history", heavyRequests + 1, 250, workers, (session, first, end) =>
        {
            for (var n = first; n < end; n++)
            {
                if (n == heavyRequests)
                {
                    session.Events.StartStream<Profile>(heavy, new CustomerRegistered(heavy, start));
                    continue;
                }

                var at = start.AddHours(n);
                var request = Guid.CreateVersion7();
                session.Events.StartStream<AccessRequest>(request,
                    new AccessRequested(request, vendors[n % vendors.Length], heavy, ["email"], Purposes.Marketing, "Benchmark", "P1M", null, at, at.AddDays(30)),
                    new AccessRequestDenied(request, null, at.AddMinutes(5)));
            }

            return (end - first) * 2 - (end > heavyRequests ? 1 : 0);
        });

        Console.Error.WriteLine($"{written:N0} events written in {stopwatch.Elapsed.TotalSeconds:F1} s");
        await File.WriteAllTextAsync(options["--out"], heavy.ToString());
        return 0;
    }
}
