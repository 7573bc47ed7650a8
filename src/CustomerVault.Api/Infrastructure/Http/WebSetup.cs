using System.Text.Json.Serialization;
using CustomerVault.Infrastructure.RateLimiting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace CustomerVault.Infrastructure.Http;

public static class WebSetup
{
    public static IServiceCollection AddVaultWeb(this IServiceCollection services)
    {
        // Pages live beside their feature (e.g. Identity/Pages) and declare absolute routes.
        services.AddRazorPages(options => options.RootDirectory = "/");
        // An absent member means "not set": the profile document is also the target of merge patches, where null means "clear".
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull);
        services.AddVaultSecurityHeaders();
        return services;
    }

    public static WebApplication UseVaultWeb(this WebApplication app)
    {
        app.UseVaultSecurityHeaders();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseWritesRunToCompletion();
        app.UseVaultClientAuthenticationLimits();
        app.UseAuthentication();
        app.UseVaultRateLimits();
        app.UseAuthorization();

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false }).ExcludeFromDescription();
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready") }).ExcludeFromDescription();
        app.MapStaticAssets();
        app.MapRazorPages();
        return app;
    }
}
