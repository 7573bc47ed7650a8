using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Telemetry;
using JasperFx.Events.Projections;
using Marten;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

namespace CustomerVault.Webhooks;

public static class WebhookSetup
{
    /// <summary>
    /// Vendor notifications: the outbox the events write in their own transaction (a projection and its tables), the
    /// safe-URL policy, the dispatcher with its resilient per-endpoint HTTP pipelines, and the backlog operators watch.
    /// </summary>
    public static IHostApplicationBuilder AddVaultWebhooks(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddStorePart<WebhookStore>();
        services.AddSchemaScript(WebhookOutbox.InstallSql);
        services.AddSchemaScript(OutboxLeases.InstallSql);
        services.AddOptions<WebhookOptions>().Bind(builder.Configuration.GetSection(WebhookOptions.Section))
            .PostConfigure(o =>
            {
                if (o.RetrySchedule.Count == 0)
                {
                    o.RetrySchedule.AddRange(WebhookOptions.DefaultRetrySchedule);
                }
            })
            .Validate(o => o.RetrySchedule.TrueForAll(t => t > TimeSpan.Zero), $"{WebhookOptions.Section}:RetrySchedule entries must be positive.")
            .Validate(o => o.CircuitMinimumThroughput >= 2, $"{WebhookOptions.Section}:CircuitMinimumThroughput must be at least 2.")
            .Validate(o => o.MaxParallelEndpoints >= 1, $"{WebhookOptions.Section}:MaxParallelEndpoints must be at least 1.")
            .Validate(o => o.Proxy is null || (o.Proxy.IsAbsoluteUri && o.Proxy.Scheme is "http" or "https"),
                $"{WebhookOptions.Section}:Proxy must be an absolute http:// or https:// URL.")
            .ValidateOnStart();
        services.AddSingleton<IHostResolver, DnsHostResolver>();
        services.AddSingleton<SafeUrls>();

        // One pipeline per endpoint (by authority): a failing vendor opens its own circuit, never another's.
        services.AddHttpClient(WebhookDispatcher.HttpClientName, client => client.DefaultRequestHeaders.UserAgent.ParseAdd("CustomerVault-Webhooks/1.0"))
            .ConfigurePrimaryHttpMessageHandler(sp =>
            {
                // Never the environment's proxy (HTTPS_PROXY and the like): only one configured for webhooks.
                var proxy = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.Proxy;
                return new SocketsHttpHandler
                {
                    ConnectCallback = sp.GetRequiredService<SafeUrls>().ConnectAsync,
                    AllowAutoRedirect = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                    UseProxy = proxy is not null,
                    Proxy = proxy is null ? null : new System.Net.WebProxy(proxy),
                };
            })
            .AddResilienceHandler("webhook-delivery", (pipeline, context) =>
            {
                var options = context.ServiceProvider.GetRequiredService<IOptions<WebhookOptions>>().Value;
                if (options.RetryAttempts > 0)
                {
                    pipeline.AddRetry(new HttpRetryStrategyOptions
                    {
                        MaxRetryAttempts = options.RetryAttempts,
                        Delay = options.RetryDelay,
                        BackoffType = DelayBackoffType.Exponential,
                        UseJitter = true,
                    });
                }

                pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
                {
                    FailureRatio = 1.0,
                    MinimumThroughput = options.CircuitMinimumThroughput,
                    SamplingDuration = options.CircuitSamplingDuration,
                    BreakDuration = options.CircuitBreakDuration,
                });
                pipeline.AddTimeout(options.AttemptTimeout);
            })
            .SelectPipelineByAuthority();

        services.AddOutboxProbe<WebhookOutboxProbe>();
        services.AddSingleton<WebhookDispatcher>();
        services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        return builder;
    }
}

/// <summary>The outbox projection: notifications are written inline, in the transaction of the events that cause them.</summary>
public sealed class WebhookStore : IStorePart
{
    public void Configure(StoreOptions options) => options.Projections.Add(new WebhookOutboxProjection(), ProjectionLifecycle.Inline);
}
