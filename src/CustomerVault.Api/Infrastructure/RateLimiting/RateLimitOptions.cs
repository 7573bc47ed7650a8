using System.Threading.RateLimiting;

namespace CustomerVault.Infrastructure.RateLimiting;

/// <summary>
/// How many requests a caller may make (section <c>Vault:RateLimits</c>). Each limit is a token bucket: up to
/// <see cref="Quota.PermitLimit"/> requests at once, refilled evenly over <see cref="Quota.Window"/>. The counters live
/// in each node's memory: behind a load balancer that spreads one caller over N nodes, a caller gets up to N times
/// these figures. The defaults are what a well-behaved caller never meets.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "Vault:RateLimits";

    /// <summary>Off only for load tests and seeding; never in production.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Per OAuth client (vendor, auditor, operator): every API call. 50 a second sustained covers a vendor's batch of reads.</summary>
    public Quota Clients { get; set; } = new(3000, TimeSpan.FromMinutes(1));

    /// <summary>Per customer: what she reads through the API and the portal.</summary>
    public Quota Customers { get; set; } = new(600, TimeSpan.FromMinutes(1));

    /// <summary>Per customer: every change she makes (profile, approvals, grants, revocations, ...), through the API and the portal.</summary>
    public Quota CustomerWrites { get; set; } = new(60, TimeSpan.FromMinutes(10));

    /// <summary>Per customer: exports of all her data (the largest response the vault gives).</summary>
    public Quota Exports { get; set; } = new(10, TimeSpan.FromHours(1));

    /// <summary>Per client address: API calls without a valid token.</summary>
    public Quota Anonymous { get; set; } = new(300, TimeSpan.FromMinutes(1));

    /// <summary>Per client address: requests to the token, introspection and revocation endpoints.</summary>
    public Quota TokenRequests { get; set; } = new(60, TimeSpan.FromMinutes(1));

    /// <summary>Per client id: requests to those endpoints that present a client secret (guessing one client's secret from many addresses).</summary>
    public Quota TokenRequestsPerClient { get; set; } = new(120, TimeSpan.FromMinutes(1));

    /// <summary>Per client address: sign-in attempts (the form posted).</summary>
    public Quota SignIn { get; set; } = new(20, TimeSpan.FromMinutes(1));

    /// <summary>Per client address: accounts created.</summary>
    public Quota SignUp { get; set; } = new(20, TimeSpan.FromHours(1));

    public IEnumerable<(string Name, Quota Quota)> All() =>
    [
        (nameof(Clients), Clients), (nameof(Customers), Customers), (nameof(CustomerWrites), CustomerWrites), (nameof(Exports), Exports),
        (nameof(Anonymous), Anonymous), (nameof(TokenRequests), TokenRequests), (nameof(TokenRequestsPerClient), TokenRequestsPerClient),
        (nameof(SignIn), SignIn), (nameof(SignUp), SignUp),
    ];
}

/// <param name="PermitLimit">Requests allowed in a burst, and in every <paramref name="Window"/> on average.</param>
/// <param name="Window">The time in which a spent bucket fills again.</param>
public sealed record Quota(int PermitLimit, TimeSpan Window)
{
    public Quota()
        : this(1, TimeSpan.FromMinutes(1))
    {
    }

    public bool IsValid => PermitLimit >= 1 && Window >= TimeSpan.FromSeconds(1);

    /// <summary>The bucket refills a token at a time, evenly (at most one refill a second, with as many tokens as that takes).</summary>
    public TokenBucketRateLimiterOptions Bucket()
    {
        var period = TimeSpan.FromTicks(Math.Max(Window.Ticks / PermitLimit, TimeSpan.TicksPerSecond));
        var tokens = (int)Math.Max(1, Math.Round((double)PermitLimit * period.Ticks / Window.Ticks));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = PermitLimit,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }
}
