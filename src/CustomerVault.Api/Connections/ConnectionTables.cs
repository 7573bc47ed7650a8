using CustomerVault.Consents;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.EventStore;
using Marten;
using Weasel.Postgresql;
using Weasel.Postgresql.Tables;

namespace CustomerVault.Connections;

/// <summary>
/// The connections' own tables, migrated with the store. Not documents: the mapping must be joined into the vendor
/// read's one round trip and into the outbox's INSERTs in plain SQL, and erasure must be able to cut it in place.
/// </summary>
public static class ConnectionTables
{
    /// <summary>One row per vendor and customer: the id the vendor knows her by (its primary key), random and never reused.</summary>
    public const string Connections = EventStoreSetup.Schema + ".connections";

    /// <summary>Live connection codes, by the SHA-256 of the code: a copy of the table gives no one a usable code.</summary>
    public const string Codes = EventStoreSetup.Schema + ".connection_codes";

    /// <summary>Failed redemptions per vendor in the current window: guessing codes is throttled on every node alike.</summary>
    public const string Failures = EventStoreSetup.Schema + ".connection_failures";

    public static IEnumerable<Table> Definitions()
    {
        var connections = new Table(Name("connections"));
        connections.AddColumn("id", "uuid").AsPrimaryKey();
        connections.AddColumn("vendor_id", "uuid").NotNull();
        // Null once the customer erased her account: the vendor's id for her then leads nowhere (410).
        connections.AddColumn("customer_id", "uuid").AllowNulls();
        connections.AddColumn("via", "text").NotNull();
        connections.AddColumn("connected_at", "timestamp with time zone").NotNull();
        connections.AddColumn("erased_at", "timestamp with time zone").AllowNulls();
        connections.Indexes.Add(new IndexDefinition("ux_connections_vendor_customer") { Columns = ["vendor_id", "customer_id"], IsUnique = true });
        connections.Indexes.Add(new IndexDefinition("ix_connections_customer") { Columns = ["customer_id"] });
        connections.Indexes.Add(new IndexDefinition("ix_connections_vendor_connected_at") { Columns = ["vendor_id", "connected_at"] });
        yield return connections;

        var codes = new Table(Name("connection_codes"));
        codes.AddColumn("hash", "bytea").AsPrimaryKey();
        codes.AddColumn("customer_id", "uuid").NotNull();
        codes.AddColumn("vendor_id", "uuid").AllowNulls();
        codes.AddColumn("created_at", "timestamp with time zone").NotNull();
        codes.AddColumn("expires_at", "timestamp with time zone").NotNull();
        codes.Indexes.Add(new IndexDefinition("ix_connection_codes_customer") { Columns = ["customer_id"] });
        codes.Indexes.Add(new IndexDefinition("ix_connection_codes_expires_at") { Columns = ["expires_at"] });
        yield return codes;

        var failures = new Table(Name("connection_failures"));
        failures.AddColumn("vendor_id", "uuid").AsPrimaryKey();
        failures.AddColumn("window_start", "timestamp with time zone").NotNull();
        failures.AddColumn("failures", "integer").NotNull();
        yield return failures;
    }

    /// <summary>
    /// Gives every vendor and customer who already share a request or a grant a connection, so existing relationships
    /// keep working once vendors see only pairwise ids (dated by the migration: when they met is in the events). Runs at every start (cheap when there is nothing to do), so
    /// rows written by a node of an older version during a rolling upgrade are covered at the next start. Customers
    /// whose data key is gone (erased) get none: erasure cut their links, and nothing may restore one.
    /// </summary>
    public static string Backfill(IDocumentStore store) =>
        $"""
         INSERT INTO {Connections} (id, vendor_id, customer_id, via, connected_at)
         SELECT gen_random_uuid(), pairs.vendor_id, pairs.customer_id, '{Via.Existing}', now()
         FROM (
             SELECT vendor_id, customer_id FROM {store.TableOf<Grant>()}
             UNION
             SELECT vendor_id, customer_id FROM {store.TableOf<AccessRequest>()}
         ) pairs
         WHERE pairs.vendor_id IS NOT NULL AND pairs.customer_id IS NOT NULL
           AND EXISTS (SELECT 1 FROM {store.TableOf<CustomerDataKey>()} k WHERE k.id = pairs.customer_id)
           AND NOT EXISTS (SELECT 1 FROM {Connections} c WHERE c.vendor_id = pairs.vendor_id AND c.customer_id = pairs.customer_id)
         ON CONFLICT DO NOTHING;
         """;

    private static PostgresqlObjectName Name(string table) => new(EventStoreSetup.Schema, table, SchemaUtils.IdentifierUsage.General);
}

/// <summary>How a vendor came to know a customer.</summary>
public static class Via
{
    /// <summary>She approved or denied its request in the vault's consent flow (authorization code + PAR).</summary>
    public const string Authorization = "authorization";

    /// <summary>It redeemed a connection code she gave it.</summary>
    public const string Code = "connection-code";

    /// <summary>She granted it access on her own initiative.</summary>
    public const string Grant = "grant";

    /// <summary>They already shared a request or a grant when pairwise ids were introduced.</summary>
    public const string Existing = "existing";
}
