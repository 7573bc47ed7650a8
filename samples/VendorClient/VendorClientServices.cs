using Microsoft.Extensions.DependencyInjection.Extensions;

namespace VendorClient;

public static class VendorClientServices
{
    /// <summary>
    /// The vault client: a cached client-credentials token on every call, and the standard resilience handler
    /// (retries with back-off on 5xx/429/timeouts, circuit breaker, timeouts) around it. Retrying a request for
    /// access is safe because each carries an idempotency key. <paramref name="primaryHandler"/> replaces the
    /// network, e.g. with an in-process test server.
    /// </summary>
    public static IServiceCollection AddVaultClient(this IServiceCollection services, VendorClientOptions options, Func<HttpMessageHandler>? primaryHandler = null)
    {
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<AccessTokens>();
        services.AddTransient<AccessTokenHandler>();
        services.AddSingleton<CustomerData>();

        var token = services.AddHttpClient(AccessTokens.TokenClientName);
        token.AddStandardResilienceHandler();
        var api = services.AddHttpClient<VaultClient>(client => client.BaseAddress = new Uri(options.VaultUrl));
        api.AddHttpMessageHandler<AccessTokenHandler>().AddStandardResilienceHandler();
        if (primaryHandler is not null)
        {
            token.ConfigurePrimaryHttpMessageHandler(primaryHandler);
            api.ConfigurePrimaryHttpMessageHandler(primaryHandler);
        }

        return services;
    }
}
