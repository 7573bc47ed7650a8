using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace CustomerVault.Infrastructure.Telemetry;

/// <summary>What is waiting in one outbox: how many messages, and since when the oldest of them.</summary>
public sealed record OutboxBacklog(long Pending, DateTimeOffset? OldestCreatedAt);

/// <summary>
/// An outbox whose backlog operators watch. Each kind of outbound message (webhooks today; e-mail or SMS messages when
/// they exist) registers one with <see cref="TelemetrySetup.AddOutboxProbe{T}"/> and is reported under its
/// <see cref="Name"/>, with no change here.
/// </summary>
public interface IOutboxProbe
{
    /// <summary>The value of <c>customervault.outbox.name</c>: <c>webhooks</c>, <c>messages</c>, ...</summary>
    string Name { get; }

    Task<OutboxBacklog> MeasureAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Reports every outbox's depth and the age of its oldest pending message. The database is asked on a timer, not in
/// the metric callbacks: a scrape or an export never waits for a query, and a slow database never stalls either.
/// </summary>
public sealed class OutboxMetrics : BackgroundService
{
    private readonly IReadOnlyList<IOutboxProbe> _probes;
    private readonly TimeProvider _clock;
    private readonly IOptions<TelemetryOptions> _options;
    private readonly ILogger<OutboxMetrics> _logger;
    private readonly Dictionary<string, OutboxBacklog> _latest = new();
    private readonly Lock _lock = new();
    private readonly ObservableInstrument<long> _pending;
    private readonly ObservableInstrument<double> _oldestAge;

    public OutboxMetrics(IEnumerable<IOutboxProbe> probes, IMeterFactory meters, TimeProvider clock, IOptions<TelemetryOptions> options, ILogger<OutboxMetrics> logger)
    {
        _probes = probes.ToList();
        _clock = clock;
        _options = options;
        _logger = logger;
        var meter = meters.Create(VaultTelemetry.MeterName);
        _pending = meter.CreateObservableUpDownCounter("customervault.outbox.pending", () => Observe(b => b.Pending), "{message}",
            "Messages waiting in an outbox to be delivered (including those waiting for a retry).");
        _oldestAge = meter.CreateObservableGauge("customervault.outbox.oldest_pending.age",
            () => Observe(b => b.OldestCreatedAt is { } oldest ? Math.Max(0, (_clock.GetUtcNow() - oldest).TotalSeconds) : 0), "s",
            "How long the oldest message still waiting in an outbox has waited; 0 when the outbox is empty.");
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_probes.Count == 0)
        {
            return;
        }

        // Real time, like every operational interval.
        using var timer = new PeriodicTimer(_options.Value.OutboxSampleInterval);
        do
        {
            // Nobody exports them (no OTLP endpoint, no Prometheus endpoint): no query.
            if (!_pending.Enabled && !_oldestAge.Enabled)
            {
                continue;
            }

            foreach (var probe in _probes)
            {
                try
                {
                    var backlog = await probe.MeasureAsync(stoppingToken);
                    lock (_lock)
                    {
                        _latest[probe.Name] = backlog;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    // The last measurement stays; the database's own health is reported elsewhere.
                    _logger.LogDebug("Could not measure the {Outbox} outbox: {Reason}", probe.Name, e.Message);
                }
            }
        }
        while (await NextAsync(timer, stoppingToken));
    }

    private static async Task<bool> NextAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private IEnumerable<Measurement<T>> Observe<T>(Func<OutboxBacklog, T> value) where T : struct
    {
        lock (_lock)
        {
            return _latest.Select(o => new Measurement<T>(value(o.Value), new KeyValuePair<string, object?>(VaultTelemetry.OutboxName, o.Key))).ToList();
        }
    }
}
