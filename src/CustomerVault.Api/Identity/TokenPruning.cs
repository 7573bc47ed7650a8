using Microsoft.Extensions.Options;
using Npgsql;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace CustomerVault.Identity;

/// <summary>How the authorization server's stored tokens are kept in check (section <c>Vault:Tokens</c>).</summary>
public sealed class TokenPruningOptions
{
    /// <summary>How often a node prunes (one node at a time does it).</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How long an expired, redeemed or revoked token or authorization is kept before it is deleted. As long as a refresh
    /// token lives: a redeemed refresh token presented again is then recognised as replayed, and its whole chain revoked.
    /// </summary>
    public TimeSpan PruneAfter { get; set; } = TimeSpan.FromDays(14);
}

/// <summary>
/// OpenIddict keeps a row per authorization code, refresh token and authorization; without pruning, every sign-in and
/// every refresh adds one forever. This deletes those that expired, were redeemed or revoked, older than
/// <see cref="TokenPruningOptions.PruneAfter"/>, every <see cref="TokenPruningOptions.PruneInterval"/>. Several nodes
/// may run it: a session-level advisory lock lets one prune while the others skip the round.
/// </summary>
public sealed class TokenPruning(
    IServiceScopeFactory scopes, NpgsqlDataSource dataSource, IOptions<TokenPruningOptions> options, TimeProvider clock, ILogger<TokenPruning> logger)
    : BackgroundService
{
    private const long LockKey = 0x7661756c74_0001; // "vault" + 1: the pruning lock, distinct from every hashed lock of Locks.

    /// <summary>Prunes once now; the counts of tokens and authorizations deleted (zero when another node is pruning).</summary>
    public async Task<(long Tokens, long Authorizations)> PruneAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using (var tryLock = new NpgsqlCommand($"SELECT pg_try_advisory_lock({LockKey})", connection))
        {
            if (await tryLock.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return (0, 0);
            }
        }

        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var threshold = clock.GetUtcNow() - options.Value.PruneAfter;
            var tokens = await scope.ServiceProvider.GetRequiredService<IOpenIddictTokenManager>().PruneAsync(threshold, cancellationToken);
            var authorizations = await scope.ServiceProvider.GetRequiredService<IOpenIddictAuthorizationManager>().PruneAsync(threshold, cancellationToken);
            logger.LogInformation("Pruned {Tokens} tokens and {Authorizations} authorizations older than {Threshold}.", tokens, authorizations, threshold);
            return (tokens, authorizations);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand($"SELECT pg_advisory_unlock({LockKey})", connection);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PruneInterval, TimeProvider.System);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await PruneAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The next round tries again; a database that is away now is no reason to stop for good.
                logger.LogWarning("Pruning tokens failed: {Message}", e.Message);
            }
        }
    }
}

/// <summary>
/// Access tokens get no row in the token table: they are self-contained JWTs checked without the database, and the
/// vault refuses to revoke them (<see cref="AccessTokenRevocation"/>), so a row would only record that one was issued,
/// one per client-credentials call, forever. Codes and refresh tokens keep theirs (redemption, rotation, revocation).
/// </summary>
public sealed class AccessTokensUnstored : IOpenIddictServerHandler<GenerateTokenContext>
{
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<GenerateTokenContext>()
            .UseSingletonHandler<AccessTokensUnstored>()
            .SetOrder(OpenIddictServerHandlers.Protection.CreateTokenEntry.Descriptor.Order - 1)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public ValueTask HandleAsync(GenerateTokenContext context)
    {
        if (context.TokenType == TokenTypeIdentifiers.AccessToken)
        {
            context.CreateTokenEntry = false;
        }

        return ValueTask.CompletedTask;
    }
}

public static class TokenPruningSetup
{
    public static IServiceCollection AddVaultTokenPruning(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<TokenPruningOptions>().Bind(configuration.GetSection(TokenOptions.Section))
            .Validate(o => o.PruneInterval >= TimeSpan.FromMinutes(1), $"{TokenOptions.Section}:PruneInterval must be at least a minute.")
            .Validate(o => o.PruneAfter >= TimeSpan.Zero, $"{TokenOptions.Section}:PruneAfter cannot be negative.")
            .ValidateOnStart();
        services.AddSingleton<TokenPruning>();
        services.AddHostedService(sp => sp.GetRequiredService<TokenPruning>());
        return services;
    }
}
