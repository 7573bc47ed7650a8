using System.Diagnostics.Metrics;
using CustomerVault.Infrastructure.Telemetry;
using JasperFx.Events;
using Marten;
using Marten.Services;

namespace CustomerVault.Consents;

/// <summary>
/// <c>customervault.consent.decisions</c>: every committed change of a consent, by kind. Counted after the commit, from
/// the events themselves, so whoever decides (the API, the portal, the expiry sweeper, an operator's tool running in
/// the host) is counted once, and nothing that rolled back is.
/// </summary>
public sealed class ConsentDecisionMetrics(IMeterFactory meters) : DocumentSessionListenerBase
{
    private readonly Counter<long> _decisions = meters.Create(VaultTelemetry.MeterName).CreateCounter<long>(
        "customervault.consent.decisions", "{decision}", "Committed consent decisions: requests answered, grants given, narrowed, revoked, relinquished, expired.");

    public override Task AfterCommitAsync(IDocumentSession session, IChangeSet commit, CancellationToken token)
    {
        foreach (var e in commit.GetEvents())
        {
            if (Kind(e.Data, commit) is { } kind)
            {
                _decisions.Add(1, new KeyValuePair<string, object?>(VaultTelemetry.DecisionKind, kind));
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>The kind of decision an event records, or null when it records none.</summary>
    public static string? Kind(object data, IChangeSet commit) => data switch
    {
        AccessRequestApproved approved => IsPartial(approved, commit) ? "approved_partially" : "approved",
        AccessRequestDenied => "denied",
        AccessRequestExpired => "request_expired",
        // A grant the customer gave without being asked; an approval's grant is counted as the approval.
        AccessGranted { RequestId: null } => "granted",
        GrantNarrowed => "narrowed",
        GrantRevoked => "revoked",
        GrantRelinquished => "relinquished",
        GrantExpired => "expired",
        GrantDeletionConfirmed => "deletion_confirmed",
        _ => null,
    };

    // The approval's request, as the same commit projected it, says what was asked for.
    private static bool IsPartial(AccessRequestApproved approved, IChangeSet commit) =>
        commit.Updated.Concat(commit.Inserted).OfType<AccessRequest>().FirstOrDefault(r => r.Id == approved.RequestId) is { } request
        && approved.Scopes.Count < request.Scopes.Count;
}
