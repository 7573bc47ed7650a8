using CustomerVault.Infrastructure.Database;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Infrastructure.OpenApi;
using CustomerVault.Infrastructure.RateLimiting;
using CustomerVault.Infrastructure.Telemetry;

namespace CustomerVault.Infrastructure;

public static class InfrastructureSetup
{
    /// <summary>What every feature stands on: the clock, the database, the event store, problem details, OpenAPI, rate limits, telemetry and the web host.</summary>
    public static IHostApplicationBuilder AddVaultInfrastructure(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();
        services.AddVaultDatabase();
        services.AddVaultEventStore(builder.Configuration, builder.Environment);
        services.AddVaultProblemDetails();
        services.AddVaultOpenApi();
        services.AddVaultWeb();
        services.AddVaultRateLimits(builder.Configuration);
        builder.AddVaultTelemetry();
        return builder;
    }

    /// <summary>Starts the database before the host, so a machine without PostgreSQL gets one clear message; then the scrape endpoint (if enabled), the web pipeline and OpenAPI.</summary>
    public static WebApplication UseVaultInfrastructure(this WebApplication app)
    {
        app.Services.GetRequiredService<VaultDatabase>().EnsureStarted();
        app.UseVaultTelemetry();
        app.UseVaultWeb();
        app.UseVaultOpenApi();
        return app;
    }
}
