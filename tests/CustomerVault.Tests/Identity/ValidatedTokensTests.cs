using System.Security.Claims;
using CustomerVault.Identity;
using OpenIddict.Abstractions;

namespace CustomerVault.Tests.Identity;

public sealed class ValidatedTokensTests
{
    private const string Issuer = "https://vault.example/";
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static ClaimsPrincipal Expiring(DateTimeOffset at, string issuer = Issuer)
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity("test"));
        principal.SetExpirationDate(at);
        principal.SetClaim(OpenIddictConstants.Claims.Issuer, issuer);
        return principal;
    }

    [Fact]
    public void A_remembered_token_is_returned_until_it_expires_and_not_after()
    {
        var tokens = new ValidatedTokens();
        tokens.Remember(Issuer, "t1", Expiring(Now.AddMinutes(2)), Now);

        Assert.True(tokens.TryGet(Issuer, "t1", Now.AddMinutes(1), out _));
        Assert.False(tokens.TryGet(Issuer, "t1", Now.AddMinutes(2), out _));
        Assert.False(tokens.TryGet(Issuer, "t1", Now, out _)); // forgotten once seen expired
    }

    [Fact]
    public void A_token_is_remembered_for_five_minutes_at_most_and_never_without_an_expiry()
    {
        var tokens = new ValidatedTokens();
        tokens.Remember(Issuer, "long", Expiring(Now.AddHours(1)), Now);
        var withoutExpiry = new ClaimsPrincipal(new ClaimsIdentity("test"));
        withoutExpiry.SetClaim(OpenIddictConstants.Claims.Issuer, Issuer);
        tokens.Remember(Issuer, "unknown", withoutExpiry, Now);

        Assert.True(tokens.TryGet(Issuer, "long", Now.AddMinutes(4), out _));
        Assert.False(tokens.TryGet(Issuer, "long", Now.AddMinutes(5), out _));
        Assert.False(tokens.TryGet(Issuer, "unknown", Now, out _));
    }

    [Fact]
    public void Only_the_exact_token_string_matches()
    {
        var tokens = new ValidatedTokens();
        tokens.Remember(Issuer, "abc", Expiring(Now.AddMinutes(2)), Now);

        Assert.False(tokens.TryGet(Issuer, "abd", Now, out _));
        Assert.False(tokens.TryGet(Issuer, "ABC", Now, out _));
    }

    [Fact]
    public void A_token_is_only_ever_returned_for_the_issuer_it_was_validated_for()
    {
        var tokens = new ValidatedTokens();
        tokens.Remember(Issuer, "abc", Expiring(Now.AddMinutes(2)), Now);

        Assert.True(tokens.TryGet(Issuer, "abc", Now, out _));
        Assert.False(tokens.TryGet("https://other.example/", "abc", Now, out _));
    }

    [Fact]
    public void A_token_that_names_another_issuer_is_not_remembered()
    {
        var tokens = new ValidatedTokens();
        tokens.Remember(Issuer, "abc", Expiring(Now.AddMinutes(2), issuer: "https://evil.example/"), Now);

        Assert.False(tokens.TryGet(Issuer, "abc", Now, out _));
        Assert.False(tokens.TryGet("https://evil.example/", "abc", Now, out _));
    }
}
