using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace CustomerVault.Infrastructure.Telemetry;

public static class TelemetrySetup
{
    /// <summary>
    /// OpenTelemetry: spans of requests, outgoing HTTP (webhooks) and database commands; metrics of the runtime, Kestrel,
    /// ASP.NET Core, HttpClient, Npgsql and the vault's own meter; OTLP export when an endpoint is configured, a Prometheus
    /// scrape endpoint when an operator turns it on; and JSON console logs outside Development.
    /// </summary>
    /// <remarks>
    /// What leaves in telemetry is what the instrumentation records by default, which holds no personal value: route
    /// templates and paths (ids, never profile values), query strings with their values redacted, no headers, no
    /// bodies, SQL text with its parameters left out (every value goes to PostgreSQL as a parameter). The vault's own
    /// instruments have bounded attributes only.
    /// </remarks>
    public static IHostApplicationBuilder AddVaultTelemetry(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var section = builder.Configuration.GetSection(TelemetryOptions.Section);
        services.AddOptions<TelemetryOptions>().Bind(section)
            .Validate(o => o.OtlpProtocol is "grpc" or "http/protobuf", $"{TelemetryOptions.Section}:OtlpProtocol must be grpc or http/protobuf.")
            .Validate(o => o.TraceSampleRatio is >= 0 and <= 1, $"{TelemetryOptions.Section}:TraceSampleRatio must be between 0 and 1.")
            .Validate(o => o.Prometheus.Path.StartsWith('/'), $"{TelemetryOptions.Section}:Prometheus:Path must start with '/'.")
            .Validate(o => o.OutboxSampleInterval >= TimeSpan.FromSeconds(1), $"{TelemetryOptions.Section}:OutboxSampleInterval must be at least a second.")
            .Validate(o => o.ConsoleLogFormat is null or "json" or "text", $"{TelemetryOptions.Section}:ConsoleLogFormat must be json or text.")
            .ValidateOnStart();
        var options = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        services.AddHostedService<OutboxMetrics>();

        if ((options.ConsoleLogFormat ?? (builder.Environment.IsDevelopment() ? "text" : "json")) == "json")
        {
            // Each line one JSON object; the scopes carry the request's TraceId and SpanId.
            builder.Logging.AddJsonConsole(json =>
            {
                json.IncludeScopes = true;
                json.UseUtcTimestamp = true;
                json.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });
        }

        var otlpEndpoint = options.OtlpEndpoint ?? ConfiguredUri(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        var tracing = options.Tracing ?? otlpEndpoint is not null;
        var metrics = otlpEndpoint is not null || options.Prometheus.Enabled;
        if (!tracing && !metrics)
        {
            return builder;
        }

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName, serviceInstanceId: $"{Environment.MachineName}/{Environment.ProcessId}"));
        if (tracing)
        {
            telemetry.WithTracing(traces => traces
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio)))
                .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = http => !IsOperational(http, options))
                .AddHttpClientInstrumentation()
                .AddNpgsql());
        }

        if (metrics)
        {
            telemetry.WithMetrics(meters =>
            {
                meters.AddRuntimeInstrumentation()
                    .AddAspNetCoreInstrumentation()
                    .AddMeter("Microsoft.AspNetCore.Server.Kestrel")
                    .AddHttpClientInstrumentation()
                    .AddNpgsqlInstrumentation()
                    .AddMeter(VaultTelemetry.MeterName);
                if (options.Prometheus.Enabled)
                {
                    meters.AddPrometheusExporter(prometheus => prometheus.ScrapeEndpointPath = options.Prometheus.Path);
                }
            });
        }

        if (otlpEndpoint is not null)
        {
            telemetry.WithLogging();
            telemetry.UseOtlpExporter(options.OtlpProtocol == "grpc" ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf, otlpEndpoint);
        }

        return builder;
    }

    /// <summary>Another outbox to report (<see cref="OutboxMetrics"/>).</summary>
    public static IServiceCollection AddOutboxProbe<T>(this IServiceCollection services) where T : class, IOutboxProbe =>
        services.AddSingleton<IOutboxProbe, T>();

    /// <summary>The Prometheus scrape endpoint, when enabled: before authentication and rate limits, and only on its port if one is set.</summary>
    public static WebApplication UseVaultTelemetry(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value;
        if (options.Prometheus.Enabled)
        {
            app.UseOpenTelemetryPrometheusScrapingEndpoint(http => IsScrape(http, options.Prometheus));
        }

        return app;
    }

    // The local port, not the Host header: a client chooses its Host header, not the socket it reached.
    private static bool IsScrape(HttpContext http, PrometheusOptions prometheus) =>
        http.Request.Path.Equals(prometheus.Path, StringComparison.OrdinalIgnoreCase)
        && (prometheus.Port is not { } port || http.Connection.LocalPort == port);

    // Health probes and scrapes come every few seconds and say nothing about the product's work.
    private static bool IsOperational(HttpContext http, TelemetryOptions options) =>
        http.Request.Path.StartsWithSegments("/health")
        || (options.Prometheus.Enabled && http.Request.Path.Equals(options.Prometheus.Path, StringComparison.OrdinalIgnoreCase));

    private static Uri? ConfiguredUri(string? value) => Uri.TryCreate(value, UriKind.Absolute, out var uri) ? uri : null;
}
