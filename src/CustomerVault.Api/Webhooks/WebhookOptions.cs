namespace CustomerVault.Webhooks;

/// <summary>Webhook settings (section <c>Vault:Webhooks</c>).</summary>
public sealed class WebhookOptions
{
    public const string Section = "Vault:Webhooks";

    /// <summary>Whether this node delivers (every node may; set false on nodes that should only serve requests).</summary>
    public bool Dispatch { get; set; } = true;

    /// <summary>How often an idle dispatcher looks for due deliveries.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// https only, and no loopback, private, link-local or metadata addresses; checked when a URL is set and again
    /// at each delivery, against the address actually connected to. Default: on everywhere but Development.
    /// </summary>
    public bool? EnforceSafeUrls { get; set; }

    /// <summary>Hosts (names or addresses) allowed even though they are private, e.g. a receiver inside your own network.</summary>
    public List<string> AllowedHosts { get; set; } = [];

    /// <summary>Quick retries inside one delivery attempt (exponential back-off with jitter).</summary>
    public int RetryAttempts { get; set; } = 2;

    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// When a delivery failed, when to try it again: one entry per further attempt; after the last it is parked as failed.
    /// Empty means <see cref="DefaultRetrySchedule"/> (the configuration binder appends to a list, so the default cannot live here).
    /// </summary>
    public List<TimeSpan> RetrySchedule { get; set; } = [];

    public static IReadOnlyList<TimeSpan> DefaultRetrySchedule { get; } =
    [
        TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(6), TimeSpan.FromHours(12), TimeSpan.FromDays(1), TimeSpan.FromDays(1),
    ];

    /// <summary>The circuit opens for an endpoint after this many failures with no success in the sampling window.</summary>
    public int CircuitMinimumThroughput { get; set; } = 5;

    public TimeSpan CircuitSamplingDuration { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan CircuitBreakDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many vendors' endpoints one node sends to at once (each endpoint's notifications go one after another).</summary>
    public int MaxParallelEndpoints { get; set; } = 16;

    /// <summary>
    /// An HTTP proxy for every webhook (e.g. <c>http://egress.internal:3128</c>), when outbound traffic must pass one.
    /// Unset, webhooks go direct: the environment's HTTPS_PROXY, HTTP_PROXY and ALL_PROXY are ignored, since a proxy
    /// would connect to whatever address it resolves, past the safe-URL checks. Set, the vault checks the receiver's
    /// address before each send, and the proxy should refuse private destinations as well.
    /// </summary>
    public Uri? Proxy { get; set; }

    /// <summary>The longest one notification's send may take, every retry and back-off included; it is cut off after that.</summary>
    public TimeSpan SendBudget => AttemptTimeout * (RetryAttempts + 1) + RetryDelay * Math.Pow(2, RetryAttempts + 1);

    /// <summary>The CloudEvents "source" of every notification.</summary>
    public string Source { get; set; } = "urn:customervault";
}
