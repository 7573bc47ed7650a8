namespace CustomerVault.Consents;

/// <summary>Consent settings (section <c>Vault:Consents</c>).</summary>
public sealed class ConsentOptions
{
    public const string Section = "Vault:Consents";

    /// <summary>How many unanswered requests one vendor may have open with one customer; beyond that, 429.</summary>
    public int MaxPendingRequestsPerVendorAndCustomer { get; set; } = 3;

    /// <summary>How many unanswered requests one customer may have, from all vendors; beyond that, 429.</summary>
    public int MaxPendingRequestsPerCustomer { get; set; } = 50;

    /// <summary>How many active grants one customer may hold, with all vendors; beyond that, 409.</summary>
    public int MaxActiveGrantsPerCustomer { get; set; } = 200;

    /// <summary>How many active grants one customer may hold with one vendor (one per purpose and then some); beyond that, 409.</summary>
    public int MaxActiveGrantsPerVendorAndCustomer { get; set; } = 20;

    /// <summary>How long a request waits for the customer's answer before it expires.</summary>
    public TimeSpan RequestLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>The configured confirmation period, for views built outside the options' reach.</summary>
    public static TimeSpan DeletionPeriodOf(HttpContext context) =>
        context.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<ConsentOptions>>().Value.DeletionConfirmationPeriod;

    public static readonly TimeSpan DefaultDeletionConfirmationPeriod = TimeSpan.FromDays(30);

    /// <summary>How long a vendor has, once a grant ends or a narrowing removes scopes, to confirm it deleted the data; after that she sees "not confirmed".</summary>
    public TimeSpan DeletionConfirmationPeriod { get; set; } = DefaultDeletionConfirmationPeriod;

    /// <summary>How often expired requests and grants are recorded as such (they count as expired from their deadline regardless).</summary>
    public TimeSpan ExpirySweepInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// The longest a grant may run, per purpose, as an ISO 8601 duration counted from its approval (or extension):
    /// <c>Vault:Consents:MaxDuration:marketing = P12M</c>. Data kept for a campaign should not outlive it; Australia's
    /// CDR caps every consent at 12 months. A purpose not listed may run the vault's absolute longest, two years.
    /// </summary>
    public Dictionary<string, string> MaxDuration { get; set; } = new(StringComparer.Ordinal)
    {
        [Purposes.Marketing] = "P12M",
        [Purposes.Analytics] = "P12M",
        [Purposes.ServiceDelivery] = "P24M",
        [Purposes.Research] = "P24M",
        [Purposes.LegalObligation] = "P24M",
    };

    /// <summary>How long after she last reviewed an active grant (granted, extended or confirmed it) the vault reminds her that she still shares.</summary>
    public TimeSpan ReviewReminderAfter { get; set; } = TimeSpan.FromDays(90);

    /// <summary>
    /// Purposes whose grants pause when she has not confirmed them for this long since her last review
    /// (<c>Vault:Consents:ReconfirmAfter:marketing = 120.00:00:00</c>): reads are refused until she confirms. None by default.
    /// </summary>
    public Dictionary<string, TimeSpan> ReconfirmAfter { get; set; } = new(StringComparer.Ordinal);

    /// <summary>How often the vault looks for grants due a reminder or a pause.</summary>
    public TimeSpan ReviewSweepInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The longest each purpose's grants may run, as the deciders use it.</summary>
    public GrantDurations Durations() => new(MaxDuration.ToDictionary(
        e => e.Key, e => IsoDuration.TryParse(e.Value, out var d) ? d : throw new InvalidOperationException($"{Section}:MaxDuration:{e.Key} is not an ISO 8601 duration."),
        StringComparer.Ordinal));

    /// <summary>What the deciders of reviews need: when to remind, and when an unconfirmed grant of a purpose pauses.</summary>
    public ReviewPolicy Reviews() => new(ReviewReminderAfter, ReconfirmAfter);
}

/// <summary>The longest a grant of each purpose may run; a purpose not listed runs at most two years, the vault's absolute limit.</summary>
public sealed class GrantDurations(IReadOnlyDictionary<string, IsoDuration> byPurpose)
{
    public static readonly GrantDurations Unlimited = new(new Dictionary<string, IsoDuration>());

    private static readonly IsoDuration TwoYears = new(2, 0, 0, 0, 0, 0, 0);

    public IsoDuration For(string purpose) => byPurpose.TryGetValue(purpose, out var duration) ? duration : TwoYears;

    /// <summary>The latest end a grant for <paramref name="purpose"/> may have when granted or extended at <paramref name="from"/>.</summary>
    public DateTimeOffset LatestEnd(string purpose, DateTimeOffset from) => For(purpose).AddTo(from);

    public string Describe(string purpose) => For(purpose).ToIso();
}

/// <summary>When a grant's review is due: the reminder after <paramref name="RemindAfter"/>, and for some purposes a pause after their reconfirmation period.</summary>
public sealed record ReviewPolicy(TimeSpan RemindAfter, IReadOnlyDictionary<string, TimeSpan> ReconfirmAfter)
{
    public TimeSpan? PauseAfter(string purpose) => ReconfirmAfter.TryGetValue(purpose, out var after) ? after : null;
}
