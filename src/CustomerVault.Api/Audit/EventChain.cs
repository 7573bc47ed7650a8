using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using CustomerVault.Infrastructure.EventStore;

namespace CustomerVault.Audit;

/// <summary>
/// Tamper evidence for the event store. Every event, as PostgreSQL stores it, gets a SHA-256 hash that also covers
/// the previous event's hash in the same stream, so changing, removing or reordering any stored event breaks the
/// chain from that point on. The hash is computed by a trigger inside the inserting transaction, over exactly what
/// is stored, whoever writes; it covers the sealed (encrypted) payloads, so destroying a customer's key later does
/// not break her chains.
/// </summary>
/// <remarks>
/// The canonical form, for anyone checking an export independently:
/// <c>hex(sha256(utf8(previous_hash | stream_id | version | type | timestamp | actor | data)))</c>, the fields joined
/// by <c>|</c>, where previous_hash is empty for a stream's first event, stream_id is the lowercase UUID, timestamp is
/// UTC as <c>yyyy-MM-ddTHH:mm:ss.ffffffZ</c>, actor the event's user name (empty if none) and data the event's JSON
/// exactly as PostgreSQL renders the stored jsonb.
/// </remarks>
public static class EventChain
{
    public const string Table = EventStoreSetup.Schema + ".event_chain";

    public static string Hash(string previousHash, Guid streamId, long version, string type, DateTimeOffset timestamp, string? actor, string data)
    {
        var canonical = string.Join('|',
            previousHash,
            streamId.ToString("D"),
            version.ToString(CultureInfo.InvariantCulture),
            type,
            timestamp.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
            actor ?? "",
            data);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }

    /// <summary>
    /// The schema objects, idempotently: the chain table with each event's feed position, the hashing function and
    /// trigger, and hashes for events stored before them.
    /// </summary>
    public static readonly string InstallSql = $$"""
        CREATE TABLE IF NOT EXISTS {{Table}} (
            seq_id bigint PRIMARY KEY,
            stream_id uuid NOT NULL,
            version bigint NOT NULL,
            hash text NOT NULL,
            previous_hash text NOT NULL,
            UNIQUE (stream_id, version)
        );

        {{FeedPositions.InstallSql}}

        -- STABLE, as its body is (concat_ws and to_char are): PostgreSQL then inlines it into the trigger's cached
        -- plan. Declared IMMUTABLE it was not inlinable and was planned again for every event (3-4x the hash's cost).
        CREATE OR REPLACE FUNCTION {{EventStoreSetup.Schema}}.event_chain_hash(previous text, stream uuid, version bigint, type text, at timestamptz, actor text, data jsonb)
        RETURNS text LANGUAGE sql STABLE AS $$
            SELECT encode(sha256(convert_to(concat_ws('|', previous, stream::text, version::text, type,
                to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), coalesce(actor, ''), data::text), 'UTF8')), 'hex')
        $$;

        CREATE OR REPLACE FUNCTION {{EventStoreSetup.Schema}}.event_chain_append() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            previous text;
            taken bigint;
        BEGIN
            SELECT hash INTO previous FROM {{Table}} WHERE stream_id = NEW.stream_id AND version = NEW.version - 1;
            previous := coalesce(previous, '');
        {{FeedPositions.TakePositionSql}}
            RETURN NULL;
        END
        $$;

        DROP TRIGGER IF EXISTS event_chain_append ON {{EventStoreSetup.Schema}}.mt_events;
        CREATE TRIGGER event_chain_append AFTER INSERT ON {{EventStoreSetup.Schema}}.mt_events
            FOR EACH ROW EXECUTE FUNCTION {{EventStoreSetup.Schema}}.event_chain_append();

        DO $$
        DECLARE
            e record;
            previous text;
        BEGIN
            FOR e IN SELECT m.* FROM {{EventStoreSetup.Schema}}.mt_events m LEFT JOIN {{Table}} c ON c.seq_id = m.seq_id
                     WHERE c.seq_id IS NULL ORDER BY m.stream_id, m.version
            LOOP
                SELECT hash INTO previous FROM {{Table}} WHERE stream_id = e.stream_id AND version = e.version - 1;
                previous := coalesce(previous, '');
                INSERT INTO {{Table}} (seq_id, stream_id, version, hash, previous_hash)
                VALUES (e.seq_id, e.stream_id, e.version,
                        {{EventStoreSetup.Schema}}.event_chain_hash(previous, e.stream_id, e.version, e.type, e.timestamp, e.user_name, e.data), previous);
            END LOOP;
        END
        $$;
        """;
}
