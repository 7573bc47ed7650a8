using System.Security.Cryptography;
using System.Text;

namespace CustomerVault.Infrastructure.Http;

/// <summary>
/// What browsers are told about every response. Pages run no inline script or style (a Content-Security-Policy that
/// forbids it makes an injected tag inert); nothing is framed (clickjacking); content types are not guessed; no URL,
/// with whatever ids it holds, leaves in a Referer; and outside Development HTTPS is remembered (HSTS).
/// </summary>
public static class SecurityHeaders
{
    /// <summary>
    /// The one inline script the vault sends: OpenIddict's form_post response submits its form with it. Allowed by its
    /// hash, so it still runs and nothing else inline does.
    /// </summary>
    public const string FormPostScript = "document.form.submit();";

    // No form-action: after a sign-in, a form's redirect chain ends at the app's redirect_uri, which browsers check against it.
    private static readonly string Pages =
        "default-src 'self'; script-src 'self' 'sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(FormPostScript))) + "'; "
        + "style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

    // JSON, problem documents, JWS downloads: nothing in them may run, load or be framed if a browser renders one.
    private const string Documents = "default-src 'none'; frame-ancestors 'none'; sandbox";

    // Swagger UI (Development only) sets inline styles on what it renders.
    private const string SwaggerUi =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

    public static IServiceCollection AddVaultSecurityHeaders(this IServiceCollection services) =>
        services.AddHsts(options =>
        {
            options.MaxAge = TimeSpan.FromDays(365);
            options.IncludeSubDomains = false; // the vault's name says nothing about its neighbours
        });

    public static WebApplication UseVaultSecurityHeaders(this WebApplication app)
    {
        var development = app.Environment.IsDevelopment();
        if (!development)
        {
            app.UseHsts();
        }

        app.Use((context, next) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                var html = context.Response.ContentType?.StartsWith("text/html", StringComparison.OrdinalIgnoreCase) == true;
                headers.ContentSecurityPolicy = development && context.Request.Path.StartsWithSegments("/swagger") ? SwaggerUi
                    : html ? Pages
                    : Documents;
                headers.XFrameOptions = "DENY";
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                return Task.CompletedTask;
            });
            return next(context);
        });
        return app;
    }
}
