using CustomerVault.Infrastructure.EventStore;
using Npgsql;

namespace CustomerVault.Audit;

/// <summary>
/// Where the auditors' feed and the checkpoints may safely read up to, without locking out writers.
/// </summary>
/// <remarks>
/// <para>Marten's sequence numbers cannot serve: an append reserves them in a statement of its own before the
/// transaction that inserts the events (and a failed append's numbers come back later as tombstones), so at any
/// moment a number below the highest visible one may still be on its way, and nothing in the database says so.
/// Reading up to the highest visible number skips such an event for good; a table lock waits for it, but stops every
/// writer while it does.</para>
/// <para>So each event also gets a feed position, taken by the hash-chain trigger inside the appending transaction.
/// The first event of a transaction first marks the transaction as appending (a shared advisory lock), then takes its
/// position, then publishes it (a second shared advisory lock whose key is the position). Both locks live until the
/// transaction ends and every session can see them in <c>pg_locks</c>. The watermark is the last position handed
/// out, read first, lowered below the first position of every transaction still appending: every position up to it
/// is committed or will never be. A transaction caught between taking and publishing its position (a few
/// statements inside one trigger) is waited for; nothing else is, and no writer ever waits for a reader.</para>
/// </remarks>
public static class FeedPositions
{
    /// <summary>The shared lock that marks a transaction as appending events (a fixed key; every other lock of the vault hashes its key).</summary>
    public const long AppendingLockKey = 0x4356_4150;

    private const string Sequence = EventStoreSetup.Schema + ".event_position";

    /// <summary>
    /// An event's feed position in SQL, for the chain table under <paramref name="alias"/>. Events chained before
    /// positions existed have none: theirs is their sequence number, and positions taken since start above all of them.
    /// </summary>
    public static string Of(string alias) => $"coalesce({alias}.position, {alias}.seq_id)";

    /// <summary>The position column, its sequence and index (no rewrite of older chains: see <see cref="Of"/>), and the watermark function.</summary>
    public static readonly string InstallSql = $$"""
        CREATE SEQUENCE IF NOT EXISTS {{Sequence}};

        DO $$
        BEGIN
            IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                           WHERE table_schema = '{{EventStoreSetup.Schema}}' AND table_name = 'event_chain' AND column_name = 'position') THEN
                -- The default set apart from the column: a volatile default on ADD COLUMN would rewrite every row.
                ALTER TABLE {{EventChain.Table}} ADD COLUMN position bigint;
                ALTER TABLE {{EventChain.Table}} ALTER COLUMN position SET DEFAULT nextval('{{Sequence}}');
                PERFORM setval('{{Sequence}}', coalesce((SELECT max(seq_id) FROM {{EventChain.Table}}), 0) + 1, false);
                ALTER SEQUENCE {{Sequence}} OWNED BY {{EventChain.Table}}.position;
                CREATE UNIQUE INDEX event_chain_position ON {{EventChain.Table}} ((coalesce(position, seq_id)));
            END IF;
        END
        $$;

        CREATE OR REPLACE FUNCTION {{EventStoreSetup.Schema}}.event_watermark() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
        DECLARE
            handed_out bigint;
            appending bigint;
            unpublished bigint;
            lowest bigint;
        BEGIN
            -- First: any transaction holding a position up to here marked itself appending before it took it.
            SELECT CASE WHEN is_called THEN last_value ELSE last_value - 1 END INTO handed_out FROM {{Sequence}};
            FOR attempt IN 1..5000 LOOP
                SELECT count(*), count(*) FILTER (WHERE published IS NULL), min(published) INTO appending, unpublished, lowest
                FROM (SELECT a.virtualtransaction, min((p.classid::bigint << 31) | p.objid::bigint) AS published
                      FROM pg_locks a
                      LEFT JOIN pg_locks p ON p.virtualtransaction = a.virtualtransaction AND p.locktype = 'advisory' AND p.objsubid = 2 AND p.granted
                      WHERE a.locktype = 'advisory' AND a.objsubid = 1 AND a.granted
                        AND a.classid = ({{AppendingLockKey}}::bigint >> 32)::oid AND a.objid = ({{AppendingLockKey}}::bigint & 4294967295)::oid
                        AND a.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                        AND a.pid <> pg_backend_pid()
                      GROUP BY a.virtualtransaction) transactions;
                IF unpublished = 0 THEN
                    RETURN CASE WHEN appending = 0 THEN handed_out ELSE least(handed_out, lowest - 1) END;
                END IF;
                PERFORM pg_sleep(0.001);
            END LOOP;
            RAISE EXCEPTION 'An event append held its feed position unpublished for more than 5 seconds.' USING ERRCODE = '55000';
        END
        $$;
        """;

    /// <summary>
    /// The trigger's part (in the appending transaction, per event): mark the transaction, take the position, publish it.
    /// Only the first event of a transaction publishes: its later events take higher positions.
    /// </summary>
    public static readonly string TakePositionSql = $$"""
            IF coalesce(current_setting('customervault.feed_position', true), '') = '' THEN
                PERFORM pg_advisory_xact_lock_shared({{AppendingLockKey}});
            END IF;
            INSERT INTO {{EventChain.Table}} (seq_id, stream_id, version, hash, previous_hash)
            VALUES (NEW.seq_id, NEW.stream_id, NEW.version,
                    {{EventStoreSetup.Schema}}.event_chain_hash(previous, NEW.stream_id, NEW.version, NEW.type, NEW.timestamp, NEW.user_name, NEW.data),
                    previous)
            RETURNING {{EventChain.Table}}.position INTO taken;
            IF coalesce(current_setting('customervault.feed_position', true), '') = '' THEN
                PERFORM pg_advisory_xact_lock_shared((taken >> 31)::integer, (taken & 2147483647)::integer);
                PERFORM set_config('customervault.feed_position', taken::text, true);
            END IF;
    """;

    /// <summary>
    /// The highest position up to which every event is committed or never will be. Call it in a statement of its own,
    /// before the read it bounds: a read's snapshot must be taken after the watermark, or it could miss a commit below it.
    /// </summary>
    public static async Task<long> WatermarkAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"SELECT {EventStoreSetup.Schema}.event_watermark()", connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
