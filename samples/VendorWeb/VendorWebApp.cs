using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using VendorClient;

namespace VendorWeb;

/// <summary>
/// A vendor's web site with "Connect with CustomerVault": the customer connects, decides on the vault what we may see,
/// comes back, and sees exactly what she granted; when she revokes, the vault's notification ends it here. Usage:
/// vendor-web [--urls http://127.0.0.1:5091] [--VendorWeb:VaultUrl http://localhost:5080] (see <see cref="VendorWebOptions"/>).
/// </summary>
public static class VendorWebApp
{
    public static Task Main(string[] args) => Create(args).RunAsync();

    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Configuration.AddEnvironmentVariables("VENDORWEB_");
        if (string.IsNullOrEmpty(builder.Configuration["urls"]))
        {
            builder.WebHost.UseUrls(VendorWebOptions.DefaultUrl);
        }

        var options = builder.Configuration.GetSection(VendorWebOptions.Section).Get<VendorWebOptions>() ?? new VendorWebOptions();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton<Members>();
        builder.Services.AddSingleton(sp => new WebhookVerifier(options.WebhookSecret, sp.GetRequiredService<TimeProvider>()));
        // Our API client (client credentials, cached tokens, resilience): the same as the VendorClient sample's.
        builder.Services.AddVaultClient(new VendorClientOptions { VaultUrl = options.VaultUrl, ClientId = options.ClientId, ClientSecret = options.ClientSecret });
        builder.Services.AddConnectWithVault(options);
        builder.Services.AddHostedService<WebhookRegistration>();

        var app = builder.Build();
        app.UseAuthentication();
        app.MapGet("/", HomeAsync);
        app.MapGet("/connect", ConnectAsync);
        app.MapPost("/sign-out", async (HttpContext http) =>
        {
            await http.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/");
        });
        app.MapPost(WebhookListener.Path, ReceiveAsync);
        app.MapGet("/site.css", () => Results.Text(Css, "text/css"));
        return app;
    }

    private static async Task<IResult> HomeAsync(HttpContext http, VendorWebOptions options, Members members, VaultClient vault, string? declined)
    {
        var body = new StringBuilder();
        if (http.User.FindFirst("sub")?.Value is not { } sub)
        {
            body.Append($"<p>Our telescope newsletter, chosen for your observing. Connect your CustomerVault, and decide there what we may see.</p>");
            if (declined is not null)
            {
                body.Append(declined == "access_denied"
                    ? "<p class=\"notice\" role=\"status\">You did not connect. Nothing of yours was shared with us.</p>"
                    : $"<p class=\"notice\" role=\"status\">Connecting did not work ({Encode(declined)}). Please try again.</p>");
            }

            body.Append("<p><a class=\"button\" href=\"/connect\">Connect with CustomerVault</a></p>");
            return Page(options.Name, body.ToString());
        }

        var customerId = Guid.Parse(sub);
        var member = members.Get(customerId);
        // Each page reads from the vault: we show exactly what she grants today, and nothing once she stopped.
        var profile = member?.Ended is null ? await vault.ReadProfileAsync(customerId, options.Purpose, http.RequestAborted) : null;
        if (profile is null)
        {
            body.Append("<h2>Access ended</h2>");
            body.Append(member?.Ended is { } how
                ? $"<p id=\"access-ended\">You {Encode(how == "revoked" ? "revoked" : $"ended ({how})")} our access on {member.EndedAt:d MMMM yyyy, HH:mm} UTC; the vault told us at once, and we hold nothing of yours.</p>"
                  + (member.DeletedAt is { } deleted ? $"<p id=\"deleted\">We erased our records of you on {deleted:d MMMM yyyy, HH:mm} UTC and confirmed it to the vault.</p>" : "")
                : "<p id=\"access-ended\">The vault no longer lets us read your data, so we show none.</p>");
            body.Append("<p><a class=\"button\" href=\"/connect\">Connect again</a></p>");
        }
        else
        {
            body.Append("<h2>What you share with us</h2><dl id=\"granted\">");
            foreach (var (path, value) in Leaves(profile, ""))
            {
                body.Append(CultureInfo.InvariantCulture, $"<dt>{Encode(path)}</dt><dd>{Encode(value)}</dd>");
            }

            body.Append("</dl>");
            body.Append(CultureInfo.InvariantCulture, $"<p class=\"hint\">Granted: {Encode(http.User.FindFirst(ConnectWithVault.ScopesClaim)?.Value ?? "")} · your id with us: <span id=\"customer-id\">{Encode(sub)}</span></p>");
        }

        body.Append("<form method=\"post\" action=\"/sign-out\"><button type=\"submit\" class=\"secondary\">Sign out</button></form>");
        return Page(options.Name, body.ToString());
    }

    private static async Task<IResult> ConnectAsync(HttpContext http, VendorWebOptions options)
    {
        try
        {
            await http.ChallengeAsync(ConnectWithVault.Scheme, new AuthenticationProperties { RedirectUri = "/" });
            return Results.Empty;
        }
        catch (OpenIdConnectProtocolException e)
        {
            // The vault refused our pushed request (say, we asked beyond what we are registered for): our bug, shown plainly.
            return Page(options.Name, $"<p class=\"notice\" role=\"alert\">The vault refused our request: {Encode(e.Message)}</p>", StatusCodes.Status502BadGateway);
        }
    }

    /// <summary>
    /// The vault's notifications: verified, then applied. An ended grant ends the member's access here; we erase what we
    /// held under it and confirm that to the vault, as we do for scopes she removed. A failed confirmation fails the
    /// delivery, so the vault delivers again and we confirm again (a repeat is harmless).
    /// </summary>
    private static async Task<IResult> ReceiveAsync(HttpRequest request, WebhookVerifier verifier, Members members, VaultClient vault, TimeProvider clock)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        var headers = request.Headers;
        if (!verifier.Verify(headers["webhook-id"], headers["webhook-timestamp"], headers["webhook-signature"], body))
        {
            return Results.Unauthorized();
        }

        var cloudEvent = JsonNode.Parse(body)!.AsObject();
        var notification = new VaultNotification(headers["webhook-id"].ToString(), (string)cloudEvent["type"]!, cloudEvent["data"]!.AsObject());
        if (notification.GrantId is not { } grantId)
        {
            return Results.NoContent();
        }

        // Absent once she erased her account: there is no member to update, but what we held is still to be erased.
        var customerId = notification.Data["customerId"] is null ? (Guid?)null : notification.CustomerId;
        var cancellationToken = request.HttpContext.RequestAborted;
        if (notification.Kind is "grant.revoked" or "grant.relinquished" or "grant.expired")
        {
            var now = clock.GetUtcNow();
            var erased = customerId is { } id ? members.Ended(id, grantId, notification.Kind["grant.".Length..], now) : [];
            // What the grant covered at its end, as the vault says, and anything we recorded of it.
            var scopes = (notification.Data["scopes"]?.AsArray().Select(s => (string)s!) ?? []).Union(erased).ToList();
            await vault.ConfirmDeletionAsync(grantId, scopes, customerId is { } known ? members.Get(known)?.DeletedAt ?? now : now, cancellationToken);
        }
        else if (notification.Kind == "grant.narrowed" && notification.Data["removedScopes"] is JsonArray removed)
        {
            // Nothing of hers is kept here beyond which scopes she granted; those she removed are gone with this line.
            await vault.ConfirmDeletionAsync(grantId, [.. removed.Select(s => (string)s!)], clock.GetUtcNow(), cancellationToken);
        }
        else if (CustomerData.GrantGone.Contains(notification.Kind) && customerId is { } suspendedFor)
        {
            // Suspended: the grant stands, so nothing is erased yet; access ends here until the vault reactivates us.
            members.Ended(suspendedFor, grantId, notification.Kind["grant.".Length..], clock.GetUtcNow(), erase: false);
        }

        return Results.NoContent();
    }

    private static IEnumerable<(string Path, string Value)> Leaves(JsonNode? node, string path) => node switch
    {
        JsonObject o => o.SelectMany(p => Leaves(p.Value, path.Length == 0 ? p.Key : $"{path}.{p.Key}")),
        JsonArray a => a.SelectMany((item, i) => Leaves(item, $"{path}[{i}]")),
        null => [],
        _ => [(path, node.ToString())],
    };

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static IResult Page(string name, string body, int status = StatusCodes.Status200OK) => Results.Content(
        $"""
         <!DOCTYPE html>
         <html lang="en">
         <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{Encode(name)}</title>
         <link rel="stylesheet" href="/site.css"></head>
         <body><main><h1>{Encode(name)}</h1>{body}</main></body>
         </html>
         """, "text/html; charset=utf-8", Encoding.UTF8, status);

    private const string Css = """
        body { font: 1rem/1.5 system-ui, sans-serif; margin: 0; overflow-wrap: anywhere; }
        main { max-width: 40rem; margin: 0 auto; padding: 1rem; }
        a.button, button { display: inline-block; padding: .6rem 1.2rem; font: inherit; color: #fff; background: #6b3fa0; border: 0; border-radius: .3rem; text-decoration: none; cursor: pointer; }
        button.secondary { background: transparent; color: #6b3fa0; border: 1px solid #6b3fa0; }
        dl { display: grid; grid-template-columns: minmax(0, max-content) minmax(0, 1fr); gap: .25rem 1rem; }
        dt { font-weight: 600; }
        dd { margin: 0; }
        .hint { font-size: .9rem; opacity: .8; }
        .notice { border: 1px solid #888; border-radius: .3rem; padding: .5rem 1rem; }
        """;
}
