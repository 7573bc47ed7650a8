using System.Diagnostics;
using CustomerVault.Infrastructure.Database;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Webhooks;
using Marten;
using Npgsql;

namespace CustomerVault.Benchmarks;

/// <summary>
/// Writes benchmark data straight into a vault's event store, with the vault's own store configuration: the same
/// event types, inline projections and metadata, and the hash chain computed by the database trigger as for every
/// append. Batches are written by several sessions at once, each on its own connection.
/// </summary>
public static class SeedStore
{
    public const string Actor = "system:benchmark-seed";

    public static DocumentStore Open(string dataDirectory) => DocumentStore.For(options =>
    {
        EventStoreSetup.ConfigureStore(options);
        // The outbox projection writes rows only for vendors with a webhook endpoint, and seeded vendors have none;
        // for them it only reads (the request or grant, then the vendor's endpoint), two queries per consent event.
        // Without it the stored rows are exactly the same, and seeding is several times faster.
        options.Projections.All.RemoveAll(p => p is WebhookOutboxProjection);
        // Tuned as the vault tunes its own connections: statements used again and again are prepared once.
        options.Connection(VaultDatabase.Tuned(ConnectionString(dataDirectory)));
    });

    /// <summary>The embedded server the API started on this data folder: its port from postmaster.pid, its password from the vault's file.</summary>
    public static string ConnectionString(string dataDirectory)
    {
        var root = Path.Combine(dataDirectory, "postgres");
        var port = int.Parse(File.ReadAllLines(Path.Combine(root, "data", "postmaster.pid"))[3], System.Globalization.CultureInfo.InvariantCulture);
        return new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Username = "vault", Password = File.ReadAllText(Path.Combine(root, "password")).Trim(), Database = "customervault",
        }.ConnectionString;
    }

    /// <summary>
    /// Fills items [0, count) in batches of <paramref name="batchSize"/>, <paramref name="workers"/> sessions at a
    /// time; <paramref name="fill"/> stages one batch's events in its session and returns how many it staged (it
    /// runs concurrently with itself). Returns the number of events written.
    /// </summary>
    public static async Task<long> FillAsync(
        IDocumentStore store, string what, int count, int batchSize, int workers, Func<IDocumentSession, int, int, int> fill)
    {
        var stopwatch = Stopwatch.StartNew();
        var next = -batchSize;
        long written = 0;
        const long step = 100_000; // events between progress lines
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Add(ref next, batchSize) is var first && first < count)
            {
                await using var session = store.LightweightSession();
                ActorContext.Stamp(session, Actor, null);
                var events = fill(session, first, Math.Min(count, first + batchSize));
                await session.SaveChangesAsync();
                var total = Interlocked.Add(ref written, events);
                if (total / step != (total - events) / step)
                {
                    Console.Error.WriteLine($"  {what}: {total:N0} events ({stopwatch.Elapsed.TotalSeconds:F0} s)");
                }
            }
        })));

        Console.Error.WriteLine(FormattableString.Invariant(
            $"{what}: {written:N0} events in {stopwatch.Elapsed.TotalSeconds:F1} s ({written / Math.Max(stopwatch.Elapsed.TotalSeconds, 0.001):F0} events/s, {workers} sessions)"));
        return written;
    }
}
