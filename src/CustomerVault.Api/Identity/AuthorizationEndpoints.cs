using System.Security.Claims;
using CustomerVault.Connections;
using CustomerVault.VendorConsent;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CustomerVault.Identity;

/// <summary>
/// The parts of the OAuth 2.0 / OpenID Connect flows that need the vault's knowledge: who the customer is
/// (authorize), what a token may say (token), and what userinfo returns. OpenIddict validates every request
/// (client, redirect URI, PKCE, grant) before these run, and issues the tokens after.
/// </summary>
public static class AuthorizationEndpoints
{
    public static IEndpointRouteBuilder MapAuthorizationEndpoints(this IEndpointRouteBuilder app)
    {
        var connect = app.MapGroup("/connect").ExcludeFromDescription();
        connect.MapMethods("/authorize", [HttpMethods.Get, HttpMethods.Post], Authorize);
        connect.MapPost("/token", Token);
        connect.MapMethods("/userinfo", [HttpMethods.Get, HttpMethods.Post], UserInfo);
        connect.MapMethods("/endsession", [HttpMethods.Get, HttpMethods.Post], EndSession);
        return app;
    }

    private static async Task<IResult> Authorize(
        HttpContext http, UserManager<VaultUser> users, SignInManager<VaultUser> signIns, IOpenIddictApplicationManager applications)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");
        var cookie = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = cookie.Succeeded ? await users.GetUserAsync(cookie.Principal) : null;

        var mustSignIn = user is null || request.HasPromptValue(PromptValues.Login) || IsTooOld(cookie, request, http);
        if (mustSignIn)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.LoginRequired, "The customer is not signed in.");
            }

            // Come back here after signing in, without prompt=login, or the customer would loop.
            var parameters = http.Request.HasFormContentType ? http.Request.Form.ToList() : http.Request.Query.ToList();
            parameters.RemoveAll(p => p.Key == Parameters.Prompt);
            return Results.Challenge(
                new AuthenticationProperties { RedirectUri = http.Request.PathBase + http.Request.Path + QueryString.Create(parameters) },
                [IdentityConstants.ApplicationScheme]);
        }

        if (!await signIns.CanSignInAsync(user!) || await users.IsLockedOutAsync(user!))
        {
            return Forbid(Errors.AccessDenied, "This account cannot sign in.");
        }

        // A vendor's request is answered on the consent page, with the same pushed request.
        if (await applications.FindByClientIdAsync(request.ClientId!, http.RequestAborted) is { } application
            && await applications.VendorIdOfAsync(application, http.RequestAborted) is not null)
        {
            return request.HasPromptValue(PromptValues.None)
                ? Forbid(Errors.ConsentRequired, "The customer must answer the request herself.")
                : Results.Redirect(VendorConsentPaths.ConsentPage + QueryString.Create(new Dictionary<string, string?>
                {
                    [Parameters.ClientId] = request.ClientId, [Parameters.RequestUri] = request.RequestUri,
                }));
        }

        var identity = CustomerIdentity(user!, request.GetScopes());
        return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> Token(
        HttpContext http, UserManager<VaultUser> users, SignInManager<VaultUser> signIns, IOpenIddictApplicationManager applications,
        IQuerySession vault, CancellationToken cancellationToken)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");

        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            // The code or refresh token carries the earlier grant; check the account is still allowed before renewing it.
            var grant = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
            // A code from a vendor's web flow names her to the vendor by its pairwise id; her account is found by the vault id it keeps.
            var fromVendorFlow = ConsentGrant.CustomerOf(grant.Principal);
            var user = (fromVendorFlow ?? grant.Principal?.GetClaim(Claims.Subject)) is { } subject ? await users.FindByIdAsync(subject) : null;
            if (user is null || !await signIns.CanSignInAsync(user) || await users.IsLockedOutAsync(user))
            {
                return Forbid(Errors.InvalidGrant, "The account behind this grant no longer exists or can no longer sign in.");
            }

            var identity = fromVendorFlow is null ? CustomerIdentity(user, grant.Principal!.GetScopes()) : ConsentGrant.Renew(grant.Principal!);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (request.IsClientCredentialsGrantType())
        {
            var application = await applications.FindByClientIdAsync(request.ClientId!, cancellationToken)
                              ?? throw new InvalidOperationException("The client was validated but cannot be found.");
            var actorType = await applications.ActorTypeOfAsync(application, cancellationToken);
            if (actorType is null || !VaultClaims.ActorTypes.Clients.Contains(actorType))
            {
                return Forbid(Errors.UnauthorizedClient, "This client is not registered as a vendor, auditor or operator.");
            }

            var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
            if (actorType == VaultClaims.ActorTypes.Vendor)
            {
                // Checked at every token request and again at every API request: a suspended vendor gets neither.
                var vendorId = await applications.VendorIdOfAsync(application, cancellationToken);
                var vendor = vendorId is { } id ? await vault.LoadAsync<Vendor>(id, cancellationToken) : null;
                if (vendor is null)
                {
                    return Forbid(Errors.UnauthorizedClient, "This client is not linked to a registered vendor.");
                }

                if (vendor.Status == VendorStatus.Suspended)
                {
                    return Forbid(Errors.UnauthorizedClient, "This vendor is suspended.");
                }

                identity.SetClaim(VaultClaims.VendorId, vendor.Id.ToString());
            }

            var allowed = VaultScopes.ForActorType(actorType);
            var requested = request.GetScopes();
            var scopes = requested.IsEmpty ? allowed : allowed.Intersect(requested).ToList();

            identity.SetClaim(Claims.Subject, request.ClientId)
                .SetClaim(Claims.Name, await applications.GetDisplayNameAsync(application, cancellationToken))
                .SetClaim(VaultClaims.ActorType, actorType);
            identity.SetScopes(scopes);
            identity.SetResources(VaultScopes.Audience);
            identity.SetDestinations(_ => [Destinations.AccessToken]);
            return Results.SignIn(new ClaimsPrincipal(identity), authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        return Forbid(Errors.UnsupportedGrantType, "This grant type is not supported.");
    }

    private static async Task<IResult> UserInfo(HttpContext http, UserManager<VaultUser> users, IQuerySession vault)
    {
        var token = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        // A vendor learns who she is to it, and nothing more, for as long as she has an account.
        if (ConsentGrant.VendorOf(token.Principal) is { } vendorId && Guid.TryParse(token.Principal!.GetClaim(Claims.Subject), out var pairwiseId)
            && (await PairwiseIds.ResolveAsync(vault, vendorId, pairwiseId, http.RequestAborted)).CustomerId is not null)
        {
            return Results.Ok(new Dictionary<string, object> { [Claims.Subject] = pairwiseId.ToString() });
        }

        var user = token.Principal?.GetClaim(Claims.Subject) is { } subject && ConsentGrant.VendorOf(token.Principal) is null
            ? await users.FindByIdAsync(subject)
            : null;
        if (user is null)
        {
            return Results.Challenge(
                new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidToken,
                    [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The account behind this token no longer exists.",
                }),
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal) { [Claims.Subject] = user.Id.ToString() };
        if (token.Principal!.HasScope(Scopes.Email) && user.Email is not null)
        {
            claims[Claims.Email] = user.Email;
            claims[Claims.EmailVerified] = user.EmailConfirmed;
        }

        return Results.Ok(claims);
    }

    /// <summary>
    /// Signing out changes state, so a link on someone else's page must not do it (logout CSRF): the vault signs the
    /// customer out when the app proves who it speaks for (an <c>id_token_hint</c> naming her) or the request comes from
    /// the vault's own page (a same-origin POST). Otherwise she is asked, on that page.
    /// </summary>
    private static async Task<IResult> EndSession(HttpContext http, UserManager<VaultUser> users)
    {
        var session = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (session.Succeeded && !await IsConfirmedAsync(http, users.GetUserId(session.Principal)))
        {
            var parameters = (http.Request.HasFormContentType ? http.Request.Form.ToList() : http.Request.Query.ToList())
                .Where(p => Pages.SignOutModel.EndSessionParameters.Contains(p.Key));
            return Results.Redirect("/account/sign-out" + QueryString.Create(parameters));
        }

        await http.SignOutAsync(IdentityConstants.ApplicationScheme);
        // OpenIddict redirects to the client's registered post_logout_redirect_uri, or to the root without one.
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/" }, [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    private static async Task<bool> IsConfirmedAsync(HttpContext http, string? customerId)
    {
        // OpenIddict has already checked the hint's signature and issuer; here it must name the signed-in customer.
        var hint = await http.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (hint.Principal?.GetClaim(Claims.Subject) is { } subject)
        {
            return customerId is not null && subject == customerId;
        }

        return HttpMethods.IsPost(http.Request.Method) && IsSameOrigin(http.Request);
    }

    /// <summary>The browser says the page that sent this is the vault's own: Sec-Fetch-Site, or failing that, Origin.</summary>
    private static bool IsSameOrigin(HttpRequest request) =>
        request.Headers["Sec-Fetch-Site"].ToString() is { Length: > 0 } site
            ? site == "same-origin"
            : request.Headers.Origin.ToString() is { Length: > 0 } origin
              && string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);

    private static ClaimsIdentity CustomerIdentity(VaultUser user, IEnumerable<string> requestedScopes)
    {
        var allowed = new HashSet<string>([Scopes.OpenId, Scopes.Email, Scopes.OfflineAccess, .. VaultScopes.ForCustomers], StringComparer.Ordinal);
        var identity = new ClaimsIdentity(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id.ToString())
            .SetClaim(Claims.Email, user.Email)
            .SetClaim(VaultClaims.ActorType, VaultClaims.ActorTypes.Customer);
        identity.SetScopes(requestedScopes.Where(allowed.Contains));
        identity.SetResources(VaultScopes.Audience);
        identity.SetDestinations(claim => claim.Type switch
        {
            Claims.Subject => [Destinations.AccessToken, Destinations.IdentityToken],
            // The e-mail goes only where the customer allowed it, and never into access tokens that vendors could see.
            Claims.Email when identity.HasScope(Scopes.Email) => [Destinations.IdentityToken],
            Claims.Email => [],
            _ => [Destinations.AccessToken],
        });
        return identity;
    }

    private static bool IsTooOld(AuthenticateResult cookie, OpenIddictRequest request, HttpContext http) =>
        request.MaxAge is { } maxAge && cookie.Properties?.IssuedUtc is { } issued
        && http.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow() - issued > TimeSpan.FromSeconds(maxAge);

    private static IResult Forbid(string error, string description) =>
        Results.Forbid(
            new AuthenticationProperties(new Dictionary<string, string?>
            {
                [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
                [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
            }),
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}
