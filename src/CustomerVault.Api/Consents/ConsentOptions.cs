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

    /// <summary>How often expired requests and grants are recorded as such (they count as expired from their deadline regardless).</summary>
    public TimeSpan ExpirySweepInterval { get; set; } = TimeSpan.FromMinutes(1);
}
