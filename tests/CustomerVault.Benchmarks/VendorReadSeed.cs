using System.Collections.Concurrent;
using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Profiles;

namespace CustomerVault.Benchmarks;

/// <summary>
/// Prepares the vendor read benchmark: vendors are registered through the API (so they have real OAuth clients),
/// customers and their grants are appended to the event store directly (10,000 sign-ups through the pages would
/// measure password hashing, not reads), sealed with the same master key the API uses. Run again with --first to
/// add more customers to the same vault. Each line of --out names a vendor (its line in --vendors-file, from 1; its
/// access token when there is no such file) and one of the customers who granted it access.
/// </summary>
public static class VendorReadSeed
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = new Arguments(args);
        var dataDirectory = options["--data-directory"];
        var first = options.Int("--first", 0);
        var customers = options.Int("--customers");
        var grantsPerCustomer = options.Int("--grants-per-customer");
        var vendorsFile = options.Optional("--vendors-file");
        var vendors = await BenchVendors.LoadOrRegisterAsync(new Uri(options["--api"]), options.Int("--vendors"), vendorsFile);

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Vault:DataDirectory"] = dataDirectory }).Build();
        var keyring = new CustomerKeyring(MasterKeys.Load(configuration, new DevelopmentEnvironment()), TimeProvider.System);
        await using var store = SeedStore.Open(dataDirectory);

        var now = CustomerVault.Infrastructure.VaultTime.Now(TimeProvider.System);
        var pairs = new ConcurrentQueue<string>();
        await SeedStore.FillAsync(store, "customers with grants", customers, 250, options.Int("--workers", 4), (session, from, to) =>
        {
            var random = new Random(from);
            for (var i = first + from; i < first + to; i++)
            {
                var customerId = Guid.CreateVersion7();
                var cipher = keyring.Create(session, customerId);
                session.Events.StartStream<Profile>(customerId,
                    new CustomerRegistered(customerId, now),
                    Set(cipher, customerId, "identity.name", $$"""{"given":"Customer","family":"Number{{i}}"}""", now),
                    Set(cipher, customerId, "contact.email", $"\"customer{i}@example.org\"", now),
                    Set(cipher, customerId, "contact.phone", $"\"+4930{i:D8}\"", now));
                foreach (var v in Enumerable.Range(0, vendors.Count).OrderBy(_ => random.Next()).Take(grantsPerCustomer))
                {
                    var grantId = Guid.CreateVersion7();
                    session.Events.StartStream<Grant>(grantId, new AccessGranted(grantId, vendors[v].Id, customerId, null, ["name", "email", "phone"],
                        Purposes.Marketing, "Benchmark", null, now, now.AddYears(1)));
                    // The vendor reads her under its own id for her, as a connected vendor does.
                    var pairwiseId = Guid.NewGuid();
                    session.QueueSqlCommand($"INSERT INTO {ConnectionTables.Connections} (id, vendor_id, customer_id, via, connected_at) VALUES (?, ?, ?, ?, ?)",
                        pairwiseId, vendors[v].Id, customerId, Via.Existing, now);
                    pairs.Enqueue($"{(vendorsFile is null ? vendors[v].Token : v + 1)} {pairwiseId}");
                }
            }

            return (to - from) * (4 + grantsPerCustomer);
        });

        var shuffle = new Random(first);
        await File.AppendAllLinesAsync(options["--out"], pairs.OrderBy(_ => shuffle.Next()));
        return 0;
    }

    private static ProfileAttributeSet Set(CustomerCipher cipher, Guid customerId, string attribute, string json, DateTimeOffset at) =>
        new(customerId, attribute, cipher.Seal(attribute, json), at);

    private sealed class DevelopmentEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Development;
        public string ApplicationName { get; set; } = "CustomerVault.Benchmarks";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
