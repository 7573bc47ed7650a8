using System.Net;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace CustomerVault.Identity;

/// <param name="TrustedFor">The account this browser signed in to before (its trusted-device cookie), if any.</param>
public sealed record SignInCustomer(string Email, string Password, IPAddress? Address, string? TrustedFor);

public abstract record SignInOutcome
{
    public sealed record SignedIn(VaultUser User, string Account) : SignInOutcome;

    /// <summary>Wrong e-mail, wrong password or a closed account: one answer for all, so none can be told apart.</summary>
    public sealed record Refused : SignInOutcome;

    public sealed record MustWait(TimeSpan RetryAfter) : SignInOutcome;
}

/// <summary>
/// Password sign-in that says nothing about which accounts exist and cannot be turned against an account's owner:
/// the throttle answers before any password is checked, an unknown e-mail costs the same password hash as a known one,
/// and every failure gets the same answer.
/// </summary>
public sealed class CustomerSignIn(UserManager<VaultUser> users, SignInManager<VaultUser> signIns, SignInThrottle throttle, UnknownAccountPassword unknown)
{
    public async Task<SignInOutcome> SignInAsync(SignInCustomer command)
    {
        var email = command.Email.Trim();
        var account = users.NormalizeName(email) ?? "";
        if (throttle.Wait(account, command.Address, command.TrustedFor == account) is { } wait)
        {
            return new SignInOutcome.MustWait(wait);
        }

        var user = account.Length == 0 ? null : await users.FindByNameAsync(email);
        var passwordRight = user is { PasswordHash: not null } ? await users.CheckPasswordAsync(user, command.Password) : unknown.Check(command.Password);
        if (user is null || !passwordRight || !await signIns.CanSignInAsync(user) || await users.IsLockedOutAsync(user))
        {
            throttle.Failed(account, command.Address);
            return new SignInOutcome.Refused();
        }

        throttle.Succeeded(account, command.Address);
        await signIns.SignInAsync(user, isPersistent: false);
        return new SignInOutcome.SignedIn(user, account);
    }
}

/// <summary>A password hash made with the vault's own hasher settings, checked for unknown accounts so they cost the same time.</summary>
public sealed class UnknownAccountPassword(IOptions<PasswordHasherOptions> options)
{
    private readonly PasswordHasher<VaultUser> _hasher = new(options);
    private readonly VaultUser _nobody = new();
    private string? _hash;

    public bool Check(string password)
    {
        _hash ??= _hasher.HashPassword(_nobody, Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24)));
        _hasher.VerifyHashedPassword(_nobody, _hash, password);
        return false;
    }
}

/// <summary>
/// The trusted-device cookie: a browser that signed in to an account carries its name, protected and time-limited, so
/// that an attack on the account from elsewhere does not keep this browser out (OWASP's device cookies).
/// </summary>
public sealed class TrustedDevices(IDataProtectionProvider protection, IOptions<SignInOptions> options, TimeProvider clock)
{
    public const string CookieName = "vault.device";
    private readonly ITimeLimitedDataProtector _protector = protection.CreateProtector("CustomerVault.Identity.TrustedDevice").ToTimeLimitedDataProtector();

    public string? AccountOf(HttpRequest request)
    {
        if (request.Cookies[CookieName] is not { } cookie)
        {
            return null;
        }

        try
        {
            var account = _protector.Unprotect(cookie, out var expires);
            return expires > clock.GetUtcNow() ? account : null;
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null; // forged, from another vault, or expired
        }
    }

    public void Remember(HttpResponse response, string account)
    {
        var expires = clock.GetUtcNow() + options.Value.TrustedDeviceLifetime;
        response.Cookies.Append(CookieName, _protector.Protect(account, expires), new CookieOptions
        {
            HttpOnly = true,
            Secure = response.HttpContext.Request.IsHttps,
            SameSite = SameSiteMode.Strict,
            Path = "/account",
            Expires = expires,
            IsEssential = true,
        });
    }
}

public static class SignInSetup
{
    public static IServiceCollection AddVaultSignIn(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SignInOptions>().Bind(configuration.GetSection(SignInOptions.Section))
            .Validate(o => o.MaxFailuresPerAccountAndAddress >= 1 && o.MaxFailuresPerAddress >= 1 && o.MaxFailuresPerAccount >= 0,
                $"{SignInOptions.Section}: the failure limits must be at least 1 (MaxFailuresPerAccount: 0 turns it off).")
            .Validate(o => o.FailureWindow > TimeSpan.Zero && o.BlockDuration > TimeSpan.Zero && o.TrustedDeviceLifetime > TimeSpan.Zero,
                $"{SignInOptions.Section}: FailureWindow, BlockDuration and TrustedDeviceLifetime must be positive.")
            .Validate(o => o.Capacity >= 1_000, $"{SignInOptions.Section}:Capacity must be at least 1000.")
            .ValidateOnStart();
        services.AddSingleton<SignInThrottle>();
        services.AddSingleton<UnknownAccountPassword>();
        services.AddSingleton<TrustedDevices>();
        services.AddScoped<CustomerSignIn>();
        return services;
    }
}
