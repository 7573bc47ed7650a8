namespace CustomerVault.Infrastructure.Telemetry;

/// <summary>Traces, metrics and logs (section <c>Vault:Telemetry</c>).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Vault:Telemetry";

    /// <summary>The <c>service.name</c> of everything the vault exports.</summary>
    public string ServiceName { get; set; } = "customervault";

    /// <summary>
    /// The OTLP collector (e.g. <c>http://collector:4317</c>); traces, metrics and logs go there when set. The standard
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (and <c>OTEL_EXPORTER_OTLP_HEADERS</c>) work as well.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary><c>grpc</c> (default) or <c>http/protobuf</c>.</summary>
    public string OtlpProtocol { get; set; } = "grpc";

    /// <summary>Whether spans are recorded; by default only when they go somewhere (an OTLP endpoint is configured).</summary>
    public bool? Tracing { get; set; }

    /// <summary>The share of traces recorded (parent-based: a trace the caller sampled is always recorded).</summary>
    public double TraceSampleRatio { get; set; } = 1.0;

    public PrometheusOptions Prometheus { get; set; } = new();

    /// <summary><c>json</c> (default outside Development: one object a line, with trace and span ids) or <c>text</c>.</summary>
    public string? ConsoleLogFormat { get; set; }

    /// <summary>How often the outboxes' depth and oldest age are measured (one small query each).</summary>
    public TimeSpan OutboxSampleInterval { get; set; } = TimeSpan.FromSeconds(15);
}

/// <summary>The Prometheus scrape endpoint: off unless an operator turns it on.</summary>
public sealed class PrometheusOptions
{
    public bool Enabled { get; set; }

    public string Path { get; set; } = "/metrics";

    /// <summary>
    /// When set, the endpoint answers only on connections to this local port, which the vault must also listen on
    /// (<c>Urls</c>); bind that address to the network Prometheus scrapes from, not to the public one.
    /// </summary>
    public int? Port { get; set; }
}
