using System.Diagnostics;
using System.Text.RegularExpressions;
using CustomerVault.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Trace;

namespace CustomerVault.Api.Tests.Telemetry;

/// <summary>
/// The vault on real Kestrel with tracing on (spans kept by the in-memory exporter), the Prometheus endpoint on, the
/// webhook settings of <see cref="WebhookVaultApp"/> and a webhook receiver of its own. Spans and meters are
/// process-wide (a provider sees every host's meters of the names it listens to), so its tests run alone.
/// </summary>
public class TelemetryVaultApp : NetworkVaultApp
{
    private readonly SpanList _spans = new();

    public IReadOnlyList<Activity> Spans => _spans.Snapshot();

    public WebhookReceiver Receiver { get; private set; } = null!;

    public override async Task InitializeAsync()
    {
        // Started once: a host that stops takes the metric streams it shares with this vault's identical instruments down with it.
        Receiver = await WebhookReceiver.StartAsync();
        await base.InitializeAsync();
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Receiver.DisposeAsync();
    }

    protected override IDictionary<string, string?> Settings
    {
        get
        {
            var settings = WebhookVaultApp.WebhookSettings();
            settings["Vault:Telemetry:Tracing"] = "true";
            settings["Vault:Telemetry:Prometheus:Enabled"] = "true";
            settings["Vault:Telemetry:OutboxSampleInterval"] = "00:00:01";
            return settings;
        }
    }

    protected override void ConfigureTestServices(IServiceCollection services) =>
        services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans));

    /// <summary>GET /metrics, as Prometheus scrapes it.</summary>
    public async Task<Scrape> ScrapeAsync()
    {
        using var client = CreateApiClient();
        var response = await client.GetAsync("/metrics");
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {text}");
        return new Scrape(text);
    }

    /// <summary>The in-memory exporter's list, safe for the spans that end on many threads at once.</summary>
    private sealed class SpanList : System.Collections.ObjectModel.Collection<Activity>
    {
        private readonly Lock _lock = new();

        public IReadOnlyList<Activity> Snapshot()
        {
            lock (_lock)
            {
                return [.. Items];
            }
        }

        protected override void InsertItem(int index, Activity item)
        {
            lock (_lock)
            {
                base.InsertItem(index, item);
            }
        }
    }
}

/// <summary>A Prometheus text exposition: its samples, by metric name and labels.</summary>
public sealed partial class Scrape(string text)
{
    public string Text { get; } = text;

    /// <summary>The samples of a metric whose labels include all of <paramref name="labels"/>.</summary>
    public IReadOnlyList<double> Values(string name, params (string Name, string Value)[] labels) =>
        Samples().Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).Select(s => s.Value).ToList();

    /// <summary>The largest sample of a metric with those labels (vaults of other test classes may report the same series), or null when there is none.</summary>
    public double? Max(string name, params (string Name, string Value)[] labels) => Values(name, labels) is { Count: > 0 } values ? values.Max() : null;

    public IEnumerable<(string Name, IReadOnlyDictionary<string, string> Labels, double Value)> Samples() =>
        Text.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(Parse).OfType<(string, IReadOnlyDictionary<string, string>, double)>();

    private static (string, IReadOnlyDictionary<string, string>, double)? Parse(string line)
    {
        var match = SampleLine().Match(line);
        if (!match.Success)
        {
            return null;
        }

        var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        return (match.Groups["name"].Value, labels,
            double.Parse(match.Groups["value"].Value.Replace("+Inf", "Infinity", StringComparison.Ordinal), System.Globalization.CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)" """, RegexOptions.IgnorePatternWhitespace)]
    private static partial Regex LabelPair();
}
