using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using CustomerVault.Consents;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Telemetry;
using Marten;
using Npgsql;
using NpgsqlTypes;

namespace CustomerVault.AccessLog;

/// <summary>
/// Writes access log records before the data they describe leaves the vault, many reads sharing one commit.
/// A read waits for its record's commit; when the commit fails, the read fails. In the same transaction the
/// grants each read relied on are locked (FOR SHARE) and compared with the versions the decision saw, so a
/// revocation, narrowing or relinquishment that commits first refuses the read, and one that commits after
/// waits for the reads already logged: no read is served after a revocation was acknowledged.
/// </summary>
public sealed class AccessLogWriter : BackgroundService
{
    private const int MaxBatch = 256;

    private readonly Channel<Pending> _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(16_384)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger<AccessLogWriter> _logger;
    private readonly Lazy<string> _grantTable;
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<int> _batchSize;

    public AccessLogWriter(NpgsqlDataSource dataSource, IDocumentStore store, IMeterFactory meters, ILogger<AccessLogWriter> logger)
    {
        _dataSource = dataSource;
        _logger = logger;
        _grantTable = new Lazy<string>(store.TableOf<Grant>);
        // Every vendor read waits for its record's commit: the queue and the commit time are the read's latency floor.
        var meter = meters.Create(VaultTelemetry.MeterName);
        meter.CreateObservableUpDownCounter("customervault.access_log.queue.size", () => _queue.Reader.Count, "{record}",
            "Access log records waiting to be written (their reads wait with them).");
        _commitDuration = meter.CreateHistogram("customervault.access_log.commit.duration", "s",
            "Time to write one batch of access log records and commit it, grant locks included.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        _batchSize = meter.CreateHistogram<int>("customervault.access_log.commit.records", "{record}", "Records written by one commit.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });
    }

    /// <summary>Records a read and returns once it is committed; throws when it cannot be, or a grant it relied on changed.</summary>
    /// <param name="grantVersions">The grants the read relied on, with the stream versions the decision saw.</param>
    public async Task RecordAsync(AccessLogEntry entry, IReadOnlyDictionary<Guid, long> grantVersions, CancellationToken cancellationToken)
    {
        var pending = new Pending(entry, grantVersions, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken);
        }
        catch (ChannelClosedException e)
        {
            throw new AccessLogUnavailableException(e);
        }

        await pending.Done.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
            {
                batch.Clear();
                while (batch.Count < MaxBatch && _queue.Reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                }

                await WriteAsync(batch, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Reads still waiting when the node stops are refused rather than left hanging.
            _queue.Writer.TryComplete();
            var stopped = new AccessLogUnavailableException(new OperationCanceledException("The node is stopping."));
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(stopped);
            }

            while (_queue.Reader.TryRead(out var pending))
            {
                pending.Done.TrySetException(stopped);
            }
        }
    }

    private async Task WriteAsync(List<Pending> batch, CancellationToken cancellationToken)
    {
        // By reference: a batch holds up to MaxBatch reads, and a list's Contains would compare records field by field, n times each.
        HashSet<Pending> accepted;
        var started = Stopwatch.GetTimestamp();
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var current = await LockGrantsAsync(connection, batch.SelectMany(p => p.GrantVersions.Keys).Distinct().ToArray(), cancellationToken);
            accepted = batch.Where(p => p.GrantVersions.All(g => current.TryGetValue(g.Key, out var version) && version == g.Value))
                .ToHashSet<Pending>(ReferenceEqualityComparer.Instance);
            if (accepted.Count > 0)
            {
                await AccessLogTable.WriteAsync(connection, accepted.Select(p => p.Entry), cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            _commitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
            _batchSize.Record(batch.Count);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _commitDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>(VaultTelemetry.ErrorType, e.GetType().FullName));
            _logger.LogError(e, "Could not write {Count} access log records; their reads are refused", batch.Count);
            var failure = new AccessLogUnavailableException(e);
            foreach (var pending in batch)
            {
                pending.Done.TrySetException(failure);
            }

            return;
        }

        foreach (var pending in batch)
        {
            if (accepted.Contains(pending))
            {
                pending.Done.TrySetResult();
            }
            else
            {
                pending.Done.TrySetException(new GrantChangedDuringReadException());
            }
        }
    }

    private async Task<Dictionary<Guid, long>> LockGrantsAsync(NpgsqlConnection connection, Guid[] ids, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT id, version FROM {_grantTable.Value} WHERE id = ANY($1) ORDER BY id FOR SHARE", connection)
        {
            Parameters = { new() { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid } },
        };
        var versions = new Dictionary<Guid, long>(ids.Length);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // A version column not filled (a grant written by a node of an older version, until the projections are
            // rebuilt) counts as changed: that read is refused, not the whole batch.
            if (!reader.IsDBNull(1))
            {
                versions[reader.GetGuid(0)] = reader.GetInt64(1);
            }
        }

        return versions;
    }

    private sealed record Pending(AccessLogEntry Entry, IReadOnlyDictionary<Guid, long> GrantVersions, TaskCompletionSource Done);
}
