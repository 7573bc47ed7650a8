using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using CustomerVault.Consents;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Profiles;
using Duende.IdentityModel.Client;
using Marten;
using Npgsql;

namespace CustomerVault.Benchmarks;

/// <summary>
/// Prepares the vendor read benchmark: vendors are registered through the API (so they have real OAuth clients),
/// customers and their grants are appended to the event store directly (10,000 sign-ups through the pages would
/// measure password hashing, not reads), sealed with the same master key the API uses.
/// </summary>
public static class VendorReadSeed
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = Arguments(args);
        var api = new Uri(options["--api"]);
        var dataDirectory = options["--data-directory"];
        var customers = int.Parse(options["--customers"], CultureInfo.InvariantCulture);
        var vendorCount = int.Parse(options["--vendors"], CultureInfo.InvariantCulture);
        var grantsPerCustomer = int.Parse(options["--grants-per-customer"], CultureInfo.InvariantCulture);
        var stopwatch = Stopwatch.StartNew();

        using var http = new HttpClient { BaseAddress = api };
        var operatorToken = await TokenAsync(http, "demo-operator", "demo-operator-secret", "vault.admin");
        http.SetBearerToken(operatorToken);
        var vendors = new List<(Guid Id, string Token)>();
        for (var i = 0; i < vendorCount; i++)
        {
            var response = await http.PostAsJsonAsync("/v1/vendors", new
            {
                displayName = $"Benchmark vendor {i}", contactEmail = $"privacy@vendor{i}.example", scopes = new[] { "name", "email", "phone" },
            });
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            var token = await TokenAsync(new HttpClient { BaseAddress = api }, body.GetProperty("clientId").GetString()!, body.GetProperty("clientSecret").GetString()!, "vault.access");
            vendors.Add((body.GetProperty("vendor").GetProperty("id").GetGuid(), token));
        }

        Console.Error.WriteLine($"{vendorCount} vendors registered in {stopwatch.Elapsed.TotalSeconds:F1} s");

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Vault:DataDirectory"] = dataDirectory }).Build();
        var keyring = new CustomerKeyring(MasterKey.Load(configuration, new DevelopmentEnvironment()), TimeProvider.System);
        await using var store = DocumentStore.For(o =>
        {
            EventStoreSetup.ConfigureStore(o);
            o.Connection(EmbeddedConnectionString(dataDirectory));
        });

        var random = new Random(42);
        var now = VaultTimeNow();
        var pairs = new List<string>();
        const int batch = 250;
        for (var start = 0; start < customers; start += batch)
        {
            await using var session = store.LightweightSession();
            ActorContext.Stamp(session, "system:benchmark-seed", null);
            for (var i = start; i < Math.Min(customers, start + batch); i++)
            {
                var customerId = Guid.CreateVersion7();
                var cipher = keyring.Create(session, customerId);
                session.Events.StartStream<Profile>(customerId,
                    new CustomerRegistered(customerId, now),
                    Set(cipher, customerId, "identity.name", $$"""{"given":"Customer","family":"Number{{i}}"}""", now),
                    Set(cipher, customerId, "contact.email", $"\"customer{i}@example.org\"", now),
                    Set(cipher, customerId, "contact.phone", $"\"+4930{i:D8}\"", now));
                foreach (var vendor in vendors.OrderBy(_ => random.Next()).Take(grantsPerCustomer))
                {
                    var grantId = Guid.CreateVersion7();
                    session.Events.StartStream<Grant>(grantId, new AccessGranted(grantId, vendor.Id, customerId, null, ["name", "email", "phone"],
                        Purposes.Marketing, "Benchmark", null, now, now.AddYears(1)));
                    pairs.Add($"{vendor.Token} {customerId}");
                }
            }

            await session.SaveChangesAsync();
        }

        Console.Error.WriteLine($"{customers} customers with {pairs.Count} grants written in {stopwatch.Elapsed.TotalSeconds:F1} s");
        await File.WriteAllLinesAsync(options["--out"], pairs.OrderBy(_ => random.Next()));
        return 0;
    }

    private static ProfileAttributeSet Set(CustomerCipher cipher, Guid customerId, string attribute, string json, DateTimeOffset at) =>
        new(customerId, attribute, cipher.Seal(attribute, json), at);

    private static DateTimeOffset VaultTimeNow() => CustomerVault.Infrastructure.VaultTime.Now(TimeProvider.System);

    private static async Task<string> TokenAsync(HttpClient http, string clientId, string secret, string scope)
    {
        var response = await http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "/connect/token", ClientId = clientId, ClientSecret = secret, Scope = scope,
        });
        return response.IsError ? throw new InvalidOperationException($"{clientId}: {response.Error} {response.ErrorDescription}") : response.AccessToken!;
    }

    /// <summary>The embedded server the API started on this data folder: its port from postmaster.pid, its password from the vault's file.</summary>
    public static string EmbeddedConnectionString(string dataDirectory)
    {
        var root = Path.Combine(dataDirectory, "postgres");
        var port = int.Parse(File.ReadAllLines(Path.Combine(root, "data", "postmaster.pid"))[3], CultureInfo.InvariantCulture);
        return new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Username = "vault", Password = File.ReadAllText(Path.Combine(root, "password")).Trim(), Database = "customervault",
        }.ConnectionString;
    }

    private static Dictionary<string, string> Arguments(string[] args) =>
        Enumerable.Range(0, args.Length / 2).ToDictionary(i => args[2 * i], i => args[(2 * i) + 1]);

    private sealed class DevelopmentEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Development;
        public string ApplicationName { get; set; } = "CustomerVault.Benchmarks";
        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;
        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
