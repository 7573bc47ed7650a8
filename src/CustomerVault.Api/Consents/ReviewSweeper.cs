using System.Globalization;
using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Messages;
using CustomerVault.Vendors;
using CustomerVault.Kernel;
using JasperFx;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CustomerVault.Consents;

/// <param name="MessageId">The id the reminder's message takes, if one is due.</param>
public sealed record ReviewGrant(ReviewPolicy Policy, Guid MessageId, DateTimeOffset Now);

public static partial class GrantDecider
{
    /// <summary>
    /// When she is next reminded of a grant: a reminder period after her last review or the last reminder, whichever is
    /// later, so she hears once per period and never twice for the same one.
    /// </summary>
    public static DateTimeOffset NextReminderAt(Grant grant, ReviewPolicy policy) =>
        (grant.RemindedAt is { } reminded && reminded > grant.LastReviewedAt ? reminded : grant.LastReviewedAt) + policy.RemindAfter;

    /// <summary>When the grant pauses unless she confirms it; null when its purpose needs no reconfirmation.</summary>
    public static DateTimeOffset? PausesAt(Grant grant, ReviewPolicy policy) => policy.PauseAfter(grant.Purpose) is { } after ? grant.LastReviewedAt + after : null;

    /// <summary>
    /// What is due on an active grant she has not reviewed for a while: the "still sharing" reminder, once per period
    /// (Australia's CDR reminds 90 days after she last looked), and, for a purpose that asks for reconfirmation (the UK's
    /// 90-day rule), the pause once its period has passed unconfirmed. Nothing for a grant that has ended or is paused.
    /// </summary>
    public static IReadOnlyList<object> Decide(ReviewGrant command, Grant grant)
    {
        if (!grant.IsActiveAt(command.Now) || grant.PausedAt is not null)
        {
            return [];
        }

        var events = new List<object>();
        var pausesAt = PausesAt(grant, command.Policy);
        if (NextReminderAt(grant, command.Policy) <= command.Now)
        {
            events.Add(new GrantReviewReminded(grant.Id, command.MessageId, grant.LastReviewedAt, pausesAt, command.Now));
        }

        if (pausesAt <= command.Now)
        {
            events.Add(new GrantPaused(grant.Id, grant.LastReviewedAt, command.Now));
        }

        return events;
    }
}

/// <summary>
/// Reminds her of grants she has not reviewed for a while, through the vault's own messages, and pauses those whose
/// purpose asks for a reconfirmation she has not given. Any node may sweep: the reminder's message is stored in the
/// transaction that appends its event, and two nodes reviewing the same grant conflict on its version, so one wins and
/// the other's message is never stored: she hears once.
/// </summary>
public sealed class ReviewSweeper(
    IDocumentStore store, NpgsqlDataSource dataSource, CustomerKeyring keyring, VaultIssuer issuer, TimeProvider clock, IOptions<ConsentOptions> options, ILogger<ReviewSweeper> logger)
    : BackgroundService
{
    private const int BatchSize = 200;
    private const string Actor = "system:review";

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Sweeps.RunAsync("Review", options.Value.ReviewSweepInterval, clock, SweepAsync, logger, stoppingToken);

    /// <summary>Reminds and pauses what is due now; returns how many grants it changed.</summary>
    public async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var policy = options.Value.Reviews();
        var changed = 0;
        foreach (var id in await DueAsync(policy, now, cancellationToken))
        {
            changed += await ReviewAsync(id, policy, now, cancellationToken);
        }

        if (changed > 0)
        {
            logger.LogInformation("Reminded of or paused {Count} grants", changed);
        }

        return changed;
    }

    // Candidates only, found in one statement: the decider has the last word on each.
    private async Task<IReadOnlyList<Guid>> DueAsync(ReviewPolicy policy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        const string reviewed = "coalesce((data ->> 'ReviewedAt')::timestamptz, (data ->> 'GrantedAt')::timestamptz)";
        await using var command = dataSource.CreateCommand(
            $"""
             SELECT id FROM {store.TableOf<Grant>()}
             WHERE status = '{GrantStatus.Active}' AND expires_at > $1 AND data ->> 'PausedAt' IS NULL
               AND (greatest({reviewed}, coalesce((data ->> 'RemindedAt')::timestamptz, '-infinity')) <= $2
                    OR EXISTS (SELECT 1 FROM unnest($3::text[], $4::interval[]) AS r(purpose, after)
                               WHERE r.purpose = data ->> 'Purpose' AND {reviewed} + r.after <= $1))
             ORDER BY id LIMIT $5
             """);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(now - policy.RemindAfter);
        command.Parameters.AddWithValue(policy.ReconfirmAfter.Keys.ToArray());
        command.Parameters.AddWithValue(policy.ReconfirmAfter.Values.ToArray());
        command.Parameters.AddWithValue(BatchSize);
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ids.Add(reader.GetGuid(0));
        }

        return ids;
    }

    private async Task<int> ReviewAsync(Guid id, ReviewPolicy policy, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var session = store.LightweightSession();
        ActorContext.Stamp(session, Actor, requestId: null);
        var stream = await session.Events.FetchForWriting<Grant>(id, cancellationToken);
        if (stream.Aggregate is not { } grant || GrantDecider.Decide(new ReviewGrant(policy, Guid.CreateVersion7(), now), grant) is not { Count: > 0 } events)
        {
            return 0;
        }

        if (events.OfType<GrantReviewReminded>().FirstOrDefault() is { } reminded)
        {
            var cipher = await keyring.OpenAsync(session, grant.CustomerId, cancellationToken);
            var profile = await session.LoadAsync<CustomerVault.Profiles.Profile>(grant.CustomerId, cancellationToken);
            if (cipher is null || profile is null || profile.ErasedAt is not null)
            {
                // She erased her account: there is no one to remind, and her grants end with it.
                return 0;
            }

            var vendor = VendorSummary.Of(await session.LoadAsync<Vendor>(grant.VendorId, cancellationToken), grant.VendorId).Name;
            VaultMessages.Queue(session, cipher, reminded.MessageId, grant.VendorId, grant.CustomerId,
                byEmail: profile.Attributes.ContainsKey(SendMessage.AddressAttribute("email")!), grant.Purpose, VaultMessageKinds.StillSharing, grant.Id,
                StillSharing(grant, vendor, reminded), now);
        }

        try
        {
            stream.AppendMany(events);
            await session.SaveChangesAsync(cancellationToken);
            return 1;
        }
        catch (ConcurrencyException)
        {
            // Another node reviewed it, or she acted on it, in the meantime: its outcome stands, and this message was never stored.
            return 0;
        }
    }

    private MessageContent StillSharing(Grant grant, string vendor, GrantReviewReminded reminded)
    {
        var pause = reminded.PausesAt is { } at
            ? at <= reminded.RemindedAt
                ? $"\n\nSharing under this grant is paused until you confirm it: {vendor} cannot read your data meanwhile."
                : $"\n\nIf you do not confirm it by {Day(at)}, sharing pauses until you do."
            : "";
        return new MessageContent(
            $"You still share with {vendor}",
            $"""
             You have been sharing {string.Join(", ", grant.Scopes)} with {vendor} for {grant.Purpose} since {Day(grant.GrantedAt)}; the grant runs until {Day(grant.ExpiresAt)}. You last reviewed it on {Day(reminded.ReviewedAt)}.

             Keep sharing, narrow it or revoke it in your vault: {new Uri(issuer.Uri, $"portal/grants/{grant.Id}").AbsoluteUri}{pause}
             """);
    }

    private static string Day(DateTimeOffset at) => at.ToString("d MMMM yyyy", CultureInfo.InvariantCulture);
}
