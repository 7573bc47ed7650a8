using System.Security.Claims;
using CustomerVault.Identity;
using OpenIddict.Abstractions;

namespace CustomerVault.Tests.Identity;

public sealed class ValidatedTokensTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 22, 12, 0, 0, TimeSpan.Zero);

    private static ClaimsPrincipal Expiring(DateTimeOffset at)
    {
        var principal = new ClaimsPrincipal(new ClaimsIdentity("test"));
        principal.SetExpirationDate(at);
        return principal;
    }

    [Fact]
    public void A_remembered_token_is_returned_until_it_expires_and_not_after()
    {
        var tokens = new ValidatedTokens();
        tokens.Remember("t1", Expiring(Now.AddMinutes(2)), Now);

        Assert.True(tokens.TryGet("t1", Now.AddMinutes(1), out _));
        Assert.False(tokens.TryGet("t1", Now.AddMinutes(2), out _));
        Assert.False(tokens.TryGet("t1", Now, out _)); // forgotten once seen expired
    }

    [Fact]
    public void A_token_is_remembered_for_five_minutes_at_most_and_never_without_an_expiry()
    {
        var tokens = new ValidatedTokens();
        tokens.Remember("long", Expiring(Now.AddHours(1)), Now);
        tokens.Remember("unknown", new ClaimsPrincipal(new ClaimsIdentity("test")), Now);

        Assert.True(tokens.TryGet("long", Now.AddMinutes(4), out _));
        Assert.False(tokens.TryGet("long", Now.AddMinutes(5), out _));
        Assert.False(tokens.TryGet("unknown", Now, out _));
    }

    [Fact]
    public void Only_the_exact_token_string_matches()
    {
        var tokens = new ValidatedTokens();
        tokens.Remember("abc", Expiring(Now.AddMinutes(2)), Now);

        Assert.False(tokens.TryGet("abd", Now, out _));
        Assert.False(tokens.TryGet("ABC", Now, out _));
    }
}
