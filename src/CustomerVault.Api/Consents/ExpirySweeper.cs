using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using JasperFx;
using Marten;
using Microsoft.Extensions.Options;

namespace CustomerVault.Consents;

public sealed record ExpireRequest(DateTimeOffset Now);

public sealed record ExpireGrant(DateTimeOffset Now);

public static partial class AccessRequestDecider
{
    public static AccessRequestExpired Decide(ExpireRequest command, AccessRequest request) =>
        request.Status == AccessRequestStatus.Pending && command.Now >= request.AnswerBy
            ? new AccessRequestExpired(request.Id, request.AnswerBy)
            : throw new ConflictException("Only a pending request past its answer-by time expires.", StatusName(request.StatusAt(command.Now)));
}

public static partial class GrantDecider
{
    public static GrantExpired Decide(ExpireGrant command, Grant grant) =>
        grant.Status == GrantStatus.Active && command.Now >= grant.ExpiresAt
            ? new GrantExpired(grant.Id, grant.ExpiresAt)
            : throw new ConflictException("Only an active grant past its expiry expires.", StatusName(grant.StatusAt(command.Now)));
}

/// <summary>
/// Records, as events, that unanswered requests and grants past their end have expired. Decisions never wait for
/// it: a grant counts as expired from the moment its time is up. The events give the audit trail its dates and
/// tell the vendor. Any node may sweep; two nodes expiring the same item conflict on its version and one wins.
/// </summary>
public sealed class ExpirySweeper(IDocumentStore store, TimeProvider clock, IOptions<ConsentOptions> options, ILogger<ExpirySweeper> logger) : BackgroundService
{
    private const int BatchSize = 200;
    private const string Actor = "system:expiry";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Sweeps.RunAsync("Expiry", options.Value.ExpirySweepInterval, clock, SweepAsync, logger, stoppingToken);

    /// <summary>Expires what is due now; returns how many requests and grants it recorded.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.Now();
        await using var query = store.QuerySession();
        var requests = await query.Query<AccessRequest>()
            .Where(r => r.Status == AccessRequestStatus.Pending && r.AnswerBy <= now)
            .Select(r => r.Id).Take(BatchSize).ToListAsync(cancellationToken);
        var grants = await query.Query<Grant>()
            .Where(g => g.Status == GrantStatus.Active && g.ExpiresAt <= now)
            .Select(g => g.Id).Take(BatchSize).ToListAsync(cancellationToken);

        var expired = 0;
        foreach (var id in requests)
        {
            expired += await ExpireAsync<AccessRequest>(id, request => AccessRequestDecider.Decide(new ExpireRequest(now), request), cancellationToken);
        }

        foreach (var id in grants)
        {
            expired += await ExpireAsync<Grant>(id, grant => GrantDecider.Decide(new ExpireGrant(now), grant), cancellationToken);
        }

        if (expired > 0)
        {
            logger.LogInformation("Recorded {Count} expiries", expired);
        }

        return expired;
    }

    private async Task<int> ExpireAsync<T>(Guid id, Func<T, object> decide, CancellationToken cancellationToken) where T : class
    {
        await using var session = store.LightweightSession();
        ActorContext.Stamp(session, Actor, requestId: null);
        var stream = await session.Events.FetchForWriting<T>(id, cancellationToken);
        if (stream.Aggregate is null)
        {
            return 0;
        }

        try
        {
            stream.AppendOne(decide(stream.Aggregate));
            await session.SaveChangesAsync(cancellationToken);
            return 1;
        }
        catch (Exception e) when (e is ConcurrencyException or ConflictException)
        {
            // Decided or expired by someone else in the meantime: nothing left to do.
            return 0;
        }
    }
}
