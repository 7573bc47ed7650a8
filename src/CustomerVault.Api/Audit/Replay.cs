using CustomerVault.Consents;
using CustomerVault.Profiles;
using CustomerVault.Vendors;

namespace CustomerVault.Audit;

/// <summary>
/// How every stream's state follows from its events: the same Create/Apply functions the event store projects with,
/// in one place, so an audit can rebuild any state at any moment, and a replay can rebuild every projection.
/// </summary>
public static class Replay
{
    public static object? Evolve(object? state, object @event) => (state, @event) switch
    {
        (null, CustomerRegistered e) => Profile.Create(e),
        (Profile s, ProfileAttributeSet e) => s.Apply(e),
        (Profile s, ProfileAttributeCleared e) => s.Apply(e),
        (Profile s, CustomerErased e) => s.Apply(e),

        (null, VendorRegistered e) => Vendor.Create(e),
        (Vendor s, VendorSecretRotated e) => s.Apply(e),
        (Vendor s, VendorSuspended e) => s.Apply(e),
        (Vendor s, VendorReactivated e) => s.Apply(e),
        (Vendor s, VendorWebhookChanged e) => s.Apply(e),
        (Vendor s, VendorWebhookSecretRotated e) => s.Apply(e),

        (null, AccessRequested e) => AccessRequest.Create(e),
        (AccessRequest s, AccessRequestApproved e) => s.Apply(e),
        (AccessRequest s, AccessRequestDenied e) => s.Apply(e),
        (AccessRequest s, AccessRequestExpired e) => s.Apply(e),

        (null, AccessGranted e) => Grant.Create(e),
        (Grant s, GrantNarrowed e) => s.Apply(e),
        (Grant s, GrantRevoked e) => s.Apply(e),
        (Grant s, GrantRelinquished e) => s.Apply(e),
        (Grant s, GrantExpired e) => s.Apply(e),

        _ => throw new InvalidOperationException($"{@event.GetType().Name} cannot follow {state?.GetType().Name ?? "nothing"}."),
    };

    /// <summary>Folds a stream's events in order, stamping the version the way the event store does.</summary>
    public static object? Fold(IEnumerable<(long Version, object Data)> events) =>
        events.Aggregate((object?)null, (state, e) => Step(state, e.Version, e.Data));

    /// <summary>One event further, with the stream version it was stored at.</summary>
    public static object? Step(object? state, long version, object data)
    {
        var next = Evolve(state, data);
        switch (next)
        {
            case Profile p: p.Version = version; break;
            case Vendor v: v.Version = version; break;
            case AccessRequest r: r.Version = version; break;
            case Grant g: g.Version = version; break;
        }

        return next;
    }

    /// <summary>What an auditor needs of a consent's state: never profile values.</summary>
    public static ConsentState? Summarize(object? state) => state switch
    {
        AccessRequest r => new ConsentState("access-request", AccessRequestDecider.StatusName(r.Status), r.ApprovedScopes ?? r.Scopes, r.Purpose, r.VendorId, r.AnswerBy),
        Grant g => new ConsentState("grant", GrantDecider.StatusName(g.Status), g.Scopes, g.Purpose, g.VendorId, g.ExpiresAt),
        _ => null,
    };
}

/// <param name="Kind">access-request or grant.</param>
/// <param name="Scopes">For a request: the scopes asked for, or approved once it is approved.</param>
/// <param name="Until">For a request: when it expires unanswered; for a grant: when it ends.</param>
public sealed record ConsentState(string Kind, string Status, IReadOnlyList<string> Scopes, string Purpose, Guid VendorId, DateTimeOffset Until);
