using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.EventStore;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Npgsql;

namespace CustomerVault.Audit;

/// <param name="Sequence">The highest event-store sequence number among the events the checkpoint covers.</param>
/// <param name="Position">The feed position it covers: every event up to it, none after (absent on checkpoints made before positions existed, which cover every event up to their sequence).</param>
/// <param name="Root">SHA-256 over every stream's head hash at that point.</param>
/// <param name="Jws">The same facts, signed by the vault: keep it outside the vault as evidence.</param>
public sealed record Checkpoint(Guid Id, long Sequence, long? Position, int Streams, string Root, DateTimeOffset CreatedAt, string CreatedBy, string Jws);

/// <param name="Matches">The events up to the checkpoint still hash to its root.</param>
/// <param name="SignatureValid">The checkpoint's signature verifies with the vault's document key named by its kid.</param>
public sealed record CheckpointCheck(Checkpoint Checkpoint, bool Matches, bool SignatureValid, string RecomputedRoot, long Events, BrokenLink? FirstBroken);

/// <summary>Audit settings (section <c>Vault:Audit</c>).</summary>
public sealed class AuditOptions
{
    public const string Section = "Vault:Audit";

    /// <summary>A checkpoint is made when the latest is older than this (and on demand by an operator).</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromDays(1);
}

/// <summary>
/// Signed checkpoints: a hash over the head of every stream, signed by the vault. An auditor who keeps one outside
/// the system can later prove that no event up to it was changed, removed or reordered, even by someone able to
/// rewrite both the events and their recorded hashes.
/// </summary>
/// <remarks>A signer without a signing key (the CLI) checks checkpoints but cannot make them; without any key, signatures are not checked.</remarks>
public sealed class Checkpoints(NpgsqlDataSource dataSource, VaultSigner? signer, TimeProvider clock)
{
    public const string Table = EventStoreSetup.Schema + ".audit_checkpoints";
    public const string JwsType = "customervault-checkpoint+jwt";

    public static readonly string InstallSql = $"""
        CREATE TABLE IF NOT EXISTS {Table} (
            id uuid PRIMARY KEY,
            sequence bigint NOT NULL,
            streams integer NOT NULL,
            root text NOT NULL,
            created_at timestamptz NOT NULL,
            created_by text NOT NULL,
            jws text NOT NULL
        );
        ALTER TABLE {Table} ADD COLUMN IF NOT EXISTS position bigint;
        """;

    public async Task<Checkpoint> CreateAsync(string actor, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);

        // Up to the feed's watermark, so every event the checkpoint covers is committed and no later append can land
        // among them; appends go on meanwhile.
        var watermark = await FeedPositions.WatermarkAsync(connection, cancellationToken);
        var heads = new Dictionary<Guid, StreamHead>();
        long sequence = 0, position = 0;
        await using (var command = new NpgsqlCommand(
                         $"""
                          SELECT DISTINCT ON (stream_id) stream_id, version, hash, max(seq_id) OVER (), max({FeedPositions.Of("c")}) OVER ()
                          FROM {EventChain.Table} c WHERE {FeedPositions.Of("c")} <= $1 ORDER BY stream_id, version DESC
                          """, connection)
                     {
                         Parameters = { new() { Value = watermark } },
                     })
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                heads[reader.GetGuid(0)] = new StreamHead(reader.GetInt64(1), reader.GetString(2));
                sequence = reader.GetInt64(3);
                position = reader.GetInt64(4);
            }
        }

        var now = clock.Now();
        var id = Guid.CreateVersion7();
        var root = ChainVerifier.Root(heads);
        var signing = signer ?? throw new InvalidOperationException("Making a checkpoint needs the vault's signing key.");
        var payload = new JsonObject
        {
            ["iss"] = signing.Issuer,
            ["jti"] = id.ToString(),
            ["iat"] = now.ToUnixTimeSeconds(),
            ["createdAt"] = now.ToString("O"),
            ["sequence"] = sequence,
            ["position"] = position,
            ["streams"] = heads.Count,
            ["root"] = root,
            ["rootAlgorithm"] = "SHA-256 over 'stream-id:version:hash\\n' of every stream head, ordered by stream id",
        };
        var jws = signing.Sign(payload.ToJsonString(), JwsType);
        var checkpoint = new Checkpoint(id, sequence, position, heads.Count, root, now, actor, jws);

        await using (var insert = new NpgsqlCommand(
                         $"INSERT INTO {Table} (id, sequence, position, streams, root, created_at, created_by, jws) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", connection)
                     {
                         Parameters =
                         {
                             new() { Value = checkpoint.Id }, new() { Value = checkpoint.Sequence }, new() { Value = position }, new() { Value = checkpoint.Streams },
                             new() { Value = checkpoint.Root }, new() { Value = checkpoint.CreatedAt }, new() { Value = checkpoint.CreatedBy },
                             new() { Value = checkpoint.Jws },
                         },
                     })
        {
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        return checkpoint;
    }

    public async Task<Checkpoint?> LatestAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT id, sequence, position, streams, root, created_at, created_by, jws FROM {Table} ORDER BY created_at DESC, sequence DESC LIMIT 1", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new Checkpoint(reader.GetGuid(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetInt32(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6), reader.GetString(7))
            : null;
    }

    /// <summary>Recomputes every chain up to the checkpoint from the stored events and compares the root.</summary>
    public async Task<CheckpointCheck> CheckAsync(Checkpoint checkpoint, CancellationToken cancellationToken, Action<long>? progress = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var report = await ChainVerifier.VerifyAsync(connection, null, new ChainExtent(checkpoint.Sequence, checkpoint.Position), cancellationToken, progress);
        var recomputed = ChainVerifier.Root(report.Heads);
        return new CheckpointCheck(checkpoint, recomputed == checkpoint.Root, await SignatureValidAsync(checkpoint), recomputed, report.Events, report.FirstBroken);
    }

    private async Task<bool> SignatureValidAsync(Checkpoint checkpoint)
    {
        if (signer is not { Keys.Count: > 0 })
        {
            return false;
        }

        // Every document key still published: a checkpoint stays verifiable after the key that signed it was rotated.
        var result = await new JsonWebTokenHandler().ValidateTokenAsync(checkpoint.Jws, ValidationParameters(signer.Keys));
        return result.IsValid && ClaimsMatch(result.Claims, checkpoint);
    }

    /// <summary>How a checkpoint's JWS is checked, by the vault and by an auditor's tool alike: its type, and one of these keys.</summary>
    public static TokenValidationParameters ValidationParameters(IEnumerable<SecurityKey> keys) => new()
    {
        IssuerSigningKeys = keys,
        // The key the JWS names by its kid, never another that happens to verify.
        TryAllIssuerSigningKeys = false,
        ValidateIssuer = false,
        ValidateAudience = false,
        ValidateLifetime = false,
        RequireExpirationTime = false,
        ValidTypes = [JwsType],
    };

    /// <summary>Whether the signed claims say what the checkpoint's record says (a position only on checkpoints made since positions).</summary>
    public static bool ClaimsMatch(IDictionary<string, object> claims, Checkpoint checkpoint) =>
        claims.TryGetValue("root", out var root) && root as string == checkpoint.Root
        && claims.TryGetValue("sequence", out var sequence) && Convert.ToInt64(sequence, CultureInfo.InvariantCulture) == checkpoint.Sequence
        && claims.TryGetValue("streams", out var streams) && Convert.ToInt64(streams, CultureInfo.InvariantCulture) == checkpoint.Streams
        && (claims.TryGetValue("position", out var position) ? Convert.ToInt64(position, CultureInfo.InvariantCulture) : (long?)null) == checkpoint.Position;
}

/// <summary>Makes a checkpoint when the latest is older than the interval; one node at a time.</summary>
public sealed class CheckpointScheduler(Checkpoints checkpoints, NpgsqlDataSource dataSource, TimeProvider clock, IOptions<AuditOptions> options, ILogger<CheckpointScheduler> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.CheckpointInterval;
        using var timer = new PeriodicTimer(interval < TimeSpan.FromHours(1) ? interval : TimeSpan.FromHours(1), clock);
        do
        {
            try
            {
                var latest = await checkpoints.LatestAsync(stoppingToken);
                if ((latest is null || clock.GetUtcNow() - latest.CreatedAt >= interval) && await AnyEventsAsync(stoppingToken))
                {
                    var made = await checkpoints.CreateAsync("system:checkpoint", stoppingToken);
                    logger.LogInformation("Made checkpoint {Checkpoint} at sequence {Sequence}", made.Id, made.Sequence);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Could not make a checkpoint; the next tick retries");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task<bool> AnyEventsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT EXISTS (SELECT 1 FROM {EventChain.Table})", connection);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
