using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace VendorWeb;

/// <summary>
/// "Connect with CustomerVault": ASP.NET Core's own OpenID Connect handler, with the authorization code, PKCE, and the
/// request pushed to the vault first (PAR, which the vault requires of vendors). What we ask for travels as
/// authorization details (RFC 9396); what she granted comes back in the token response, with the grant's id. The
/// <c>sub</c> is the vault's id for her at our site: pairwise, so no other company can match it with theirs.
/// </summary>
public static class ConnectWithVault
{
    public const string Scheme = "customervault";
    public const string GrantClaim = "grant_id";
    public const string ScopesClaim = "granted_scopes";

    public static IServiceCollection AddConnectWithVault(this IServiceCollection services, VendorWebOptions options)
    {
        var secure = options.VaultUrl.StartsWith("https:", StringComparison.OrdinalIgnoreCase);
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = CookieAuthenticationDefaults.AuthenticationScheme;
                o.DefaultChallengeScheme = Scheme;
            })
            .AddCookie(o =>
            {
                o.Cookie.Name = "vendorweb.session";
                o.Cookie.SecurePolicy = secure ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
            })
            .AddOpenIdConnect(Scheme, o =>
            {
                o.Authority = options.VaultUrl;
                o.RequireHttpsMetadata = secure;
                o.ClientId = options.ClientId;
                o.ClientSecret = options.ClientSecret;
                o.ResponseType = OpenIdConnectResponseType.Code;
                o.ResponseMode = OpenIdConnectResponseMode.Query;
                o.UsePkce = true;
                o.PushedAuthorizationBehavior = PushedAuthorizationBehavior.Require;
                // Sign-in only: her data is what she grants, read with our API token under the grant.
                o.Scope.Clear();
                o.Scope.Add(OpenIdConnectScope.OpenId);
                o.MapInboundClaims = false;
                o.TokenValidationParameters.NameClaimType = "sub";
                // The answer comes back as a top-level GET (response_mode=query), which carries Lax cookies; None would need
                // https, which a local demo over http has not.
                o.CorrelationCookie.SecurePolicy = o.NonceCookie.SecurePolicy = secure ? CookieSecurePolicy.Always : CookieSecurePolicy.SameAsRequest;
                o.CorrelationCookie.SameSite = o.NonceCookie.SameSite = SameSiteMode.Lax;
                o.Events.OnRedirectToIdentityProvider = context =>
                {
                    // Pushed with the rest of the request: it never travels through her browser.
                    context.ProtocolMessage.SetParameter("authorization_details", JsonSerializer.Serialize(new[]
                    {
                        new
                        {
                            type = "customervault_access", scopes = options.Scopes.Split(' ', StringSplitOptions.RemoveEmptyEntries), purpose = options.Purpose,
                            description = options.Description, duration = options.Duration,
                        },
                    }));
                    return Task.CompletedTask;
                };
                o.Events.OnTokenValidated = context =>
                {
                    // As granted: she may have unticked some of what we asked for.
                    var response = context.TokenEndpointResponse!;
                    var granted = JsonNode.Parse(response.GetParameter("authorization_details"))!.AsArray()
                        .Single(d => (string?)d!["type"] == "customervault_access")!;
                    var scopes = granted["scopes"]!.AsArray().Select(s => (string)s!).ToList();
                    var grantId = Guid.Parse(response.GetParameter(GrantClaim));
                    var identity = (ClaimsIdentity)context.Principal!.Identity!;
                    identity.AddClaim(new Claim(GrantClaim, grantId.ToString()));
                    identity.AddClaim(new Claim(ScopesClaim, string.Join(' ', scopes)));
                    context.HttpContext.RequestServices.GetRequiredService<Members>()
                        .Connected(Guid.Parse(identity.FindFirst("sub")!.Value), grantId, scopes);
                    return Task.CompletedTask;
                };
                o.Events.OnRemoteFailure = context =>
                {
                    // She said no (access_denied), or the flow failed: back to the home page, which says so.
                    var error = context.Failure is OpenIdConnectProtocolException { Data: var data } && data["error"] is string code ? code : "failed";
                    context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ConnectWithVault))
                        .LogWarning(context.Failure, "Connecting with the vault failed: {Error}", error);
                    context.Response.Redirect($"/?declined={Uri.EscapeDataString(error)}");
                    context.HandleResponse();
                    return Task.CompletedTask;
                };
            });
        return services;
    }
}
