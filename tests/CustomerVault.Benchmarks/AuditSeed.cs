using System.Diagnostics;
using System.Globalization;
using CustomerVault.Consents;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Profiles;
using CustomerVault.Vendors;
using Marten;

namespace CustomerVault.Benchmarks;

/// <summary>
/// Writes a consent history of the benchmark's size straight into the event store (inline projections and the hash
/// chain included, as in production): per customer a registration, a request that was approved, and a grant that was
/// narrowed five times and then revoked (10 events); plus one customer with a long history of denied requests.
/// </summary>
public static class AuditSeed
{
    private static readonly string[] Scopes = ["name", "birthdate", "email", "phone", "postal-address", "communication-preferences", "interests"];

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Enumerable.Range(0, args.Length / 2).ToDictionary(i => args[2 * i], i => args[(2 * i) + 1]);
        var customers = int.Parse(options["--customers"], CultureInfo.InvariantCulture);
        var vendorCount = int.Parse(options["--vendors"], CultureInfo.InvariantCulture);
        var heavyEvents = int.Parse(options["--heavy-events"], CultureInfo.InvariantCulture);
        var stopwatch = Stopwatch.StartNew();

        await using var store = DocumentStore.For(o =>
        {
            EventStoreSetup.ConfigureStore(o);
            o.Connection(VendorReadSeed.EmbeddedConnectionString(options["--data-directory"]));
        });

        var start = DateTimeOffset.UtcNow.AddDays(-400);
        var vendors = Enumerable.Range(0, vendorCount).Select(_ => Guid.CreateVersion7()).ToArray();
        await using (var session = store.LightweightSession())
        {
            ActorContext.Stamp(session, "system:benchmark-seed", null);
            for (var i = 0; i < vendors.Length; i++)
            {
                session.Events.StartStream<Vendor>(vendors[i], new VendorRegistered(vendors[i], $"bench-vendor-{i}", $"Benchmark vendor {i}", null,
                    $"privacy@vendor{i}.example", Scopes, null, start));
            }

            await session.SaveChangesAsync();
        }

        var written = (long)vendorCount;
        const int batch = 500;
        for (var first = 0; first < customers; first += batch)
        {
            await using var session = store.LightweightSession();
            ActorContext.Stamp(session, "system:benchmark-seed", null);
            for (var i = first; i < Math.Min(customers, first + batch); i++)
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
                written += 10;
            }

            await session.SaveChangesAsync();
            if (first % 10_000 == 0)
            {
                Console.Error.WriteLine($"  {written:N0} events ({stopwatch.Elapsed.TotalSeconds:F0} s)");
            }
        }

        // One customer with a long history: many requests, each denied.
        var heavy = Guid.CreateVersion7();
        await using (var session = store.LightweightSession())
        {
            ActorContext.Stamp(session, "system:benchmark-seed", null);
            session.Events.StartStream<Profile>(heavy, new CustomerRegistered(heavy, start));
            for (var n = 0; n < (heavyEvents - 1) / 2; n++)
            {
                var at = start.AddHours(n);
                var request = Guid.CreateVersion7();
                session.Events.StartStream<AccessRequest>(request,
                    new AccessRequested(request, vendors[n % vendors.Length], heavy, ["email"], Purposes.Marketing, "Benchmark", "P1M", null, at, at.AddDays(30)),
                    new AccessRequestDenied(request, null, at.AddMinutes(5)));
            }

            await session.SaveChangesAsync();
        }

        written += heavyEvents;
        Console.Error.WriteLine($"{written:N0} events written in {stopwatch.Elapsed.TotalSeconds:F0} s");
        await File.WriteAllTextAsync(options["--out"], heavy.ToString());
        return 0;
    }
}
