using System.Text.Json.Serialization;
using CustomerVault.Infrastructure.RateLimiting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing.Matching;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace CustomerVault.Infrastructure.Http;

public static class WebSetup
{
    /// <summary>
    /// The largest request body the vault reads, however it is sent (chunked included): larger ones are refused with
    /// 413 as soon as they pass it. Every JSON body and form of the vault is a few kilobytes; a profile patch is the largest.
    /// </summary>
    public const int MaxRequestBodyBytes = 64 * 1024;

    public static IServiceCollection AddVaultWeb(this IServiceCollection services)
    {
        // Pages live beside their feature (e.g. Identity/Pages) and declare absolute routes.
        services.AddRazorPages(options => options.RootDirectory = "/")
            .AddMvcOptions(options => options.ModelBinderProviders.Insert(0, new CustomerVault.Portal.IsoDateBinderProvider()));
        services.ConfigureHttpJsonOptions(options =>
        {
            // An absent member means "not set": the profile document is also the target of merge patches, where null means "clear".
            options.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
            JsonInput.Configure(options.SerializerOptions);
        });

        // An id in a path names something: the empty id (all zeros) matches no route, a 404 like any unknown id.
        services.Configure<RouteOptions>(options => options.SetParameterPolicy<KnownIdRouteConstraint>("guid"));
        services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = MaxRequestBodyBytes);
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

/// <summary>The <c>guid</c> route constraint, without the empty id: the event store refuses it as a stream id.</summary>
public sealed class KnownIdRouteConstraint : IRouteConstraint, IParameterLiteralNodeMatchingPolicy
{
    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && IsKnownId(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));

    public bool MatchesLiteral(string parameterName, string literal) => IsKnownId(literal);

    private static bool IsKnownId(string? text) => Guid.TryParse(text, out var id) && id != Guid.Empty;
}
