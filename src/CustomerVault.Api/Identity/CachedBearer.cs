using System.Collections.Concurrent;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation.AspNetCore;

namespace CustomerVault.Identity;

/// <summary>
/// The API's bearer scheme: OpenIddict validates each access token the first time it is seen; the result is then
/// remembered until the token expires (at most five minutes), so a vendor sending thousands of requests with one
/// token pays for the signature check once. Access tokens are self-contained and cannot be revoked, so a
/// remembered token is exactly as valid as a re-checked one; what can change (a vendor's suspension, a grant) is
/// checked on every request by the endpoints themselves. A token is remembered for the issuer it was validated
/// against, and only when it names that issuer, so a remembered token can never stand in for another issuer's.
/// </summary>
public sealed class CachedBearerHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ValidatedTokens tokens, VaultIssuer issuer,
    TimeProvider clock)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "vault-bearer";
    private const string Validator = OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
        var now = clock.GetUtcNow();
        if (token is not null && tokens.TryGet(issuer.Value, token, now, out var remembered))
        {
            return AuthenticateResult.Success(new AuthenticationTicket(remembered.Clone(), SchemeName));
        }

        var result = await Context.AuthenticateAsync(Validator);
        if (result.Succeeded && token is not null)
        {
            tokens.Remember(issuer.Value, token, result.Principal, now);
            return AuthenticateResult.Success(new AuthenticationTicket(result.Principal, SchemeName));
        }

        return result.None ? AuthenticateResult.NoResult() : AuthenticateResult.Fail(result.Failure ?? new InvalidOperationException("The access token is not valid."));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => Context.ChallengeAsync(Validator, properties);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => Context.ForbidAsync(Validator, properties);
}

/// <summary>Access tokens that passed validation, by issuer, with the principal they carry, until they expire.</summary>
public sealed class ValidatedTokens
{
    private const int Capacity = 50_000;
    private static readonly TimeSpan Longest = TimeSpan.FromMinutes(5);
    private readonly ConcurrentDictionary<(string Issuer, string Token), (ClaimsPrincipal Principal, DateTimeOffset Until)> _tokens = new();

    public bool TryGet(string issuer, string token, DateTimeOffset now, out ClaimsPrincipal principal)
    {
        if (_tokens.TryGetValue((issuer, token), out var entry))
        {
            if (entry.Until > now)
            {
                principal = entry.Principal;
                return true;
            }

            _tokens.TryRemove((issuer, token), out _);
        }

        principal = null!;
        return false;
    }

    public void Remember(string issuer, string token, ClaimsPrincipal principal, DateTimeOffset now)
    {
        if (principal.GetExpirationDate() is not { } expires || principal.GetClaim(OpenIddictConstants.Claims.Issuer) != issuer)
        {
            return;
        }

        var until = expires;
        if (until > now + Longest)
        {
            until = now + Longest;
        }

        if (_tokens.Count >= Capacity)
        {
            // Rarely reached (one entry per live token); dropping everything is simpler than tracking age, and only costs re-validation.
            _tokens.Clear();
        }

        _tokens[(issuer, token)] = (principal, until);
    }
}
