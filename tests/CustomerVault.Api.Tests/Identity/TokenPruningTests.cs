using CustomerVault.Api.Tests.Support;
using CustomerVault.Identity;
using Duende.IdentityModel.Client;
using Microsoft.Extensions.DependencyInjection;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CustomerVault.Api.Tests.Identity;

public sealed class PruningVaultApp : VaultApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Vault:Tokens:PruneAfter"] = "1.00:00:00" };
}

/// <summary>The token table holds what must be remembered (codes and refresh tokens while they matter), not every token ever issued.</summary>
public sealed class TokenPruningTests(PruningVaultApp app) : IClassFixture<PruningVaultApp>
{
    [Fact]
    public async Task Client_credentials_tokens_leave_no_row_and_pruning_deletes_redeemed_tokens_but_keeps_the_live_refresh_token()
    {
        var customer = await app.SignUpAsync();
        using var client = app.CreateApiClient();
        var refreshed = await client.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = "/connect/token", ClientId = VaultApp.CustomerAppClientId, RefreshToken = customer.Tokens.RefreshToken!,
        });
        Assert.False(refreshed.IsError, refreshed.Error);
        for (var i = 0; i < 5; i++)
        {
            Assert.False((await app.ClientCredentialsAsync("demo-vendor", "demo-vendor-secret")).IsError);
        }

        Assert.Equal(0, await CountAsync($"\"Type\" = '{TokenTypeIdentifiers.AccessToken}'"));
        Assert.True(await CountAsync($"\"Subject\" = '{customer.Id}' AND \"Status\" <> '{Statuses.Valid}'") >= 2, "the code and the first refresh token were redeemed");

        app.Clock.Advance(TimeSpan.FromDays(2));
        var (tokens, _) = await app.Services.GetRequiredService<TokenPruning>().PruneAsync(CancellationToken.None);

        Assert.True(tokens >= 2, $"pruned {tokens}");
        Assert.Equal(0, await CountAsync($"\"Subject\" = '{customer.Id}' AND \"Status\" <> '{Statuses.Valid}'"));
        Assert.Equal(1, await CountAsync($"\"Subject\" = '{customer.Id}' AND \"Type\" = '{TokenTypeIdentifiers.RefreshToken}'"));
        var again = await client.RequestRefreshTokenAsync(new RefreshTokenRequest
        {
            Address = "/connect/token", ClientId = VaultApp.CustomerAppClientId, RefreshToken = refreshed.RefreshToken!,
        });
        Assert.False(again.IsError, again.Error);
    }

    private async Task<long> CountAsync(string condition)
    {
        await using var connection = await app.OpenDatabaseAsync();
        await using var command = new Npgsql.NpgsqlCommand($"SELECT count(*) FROM identity.\"OpenIddictTokens\" WHERE {condition}", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
