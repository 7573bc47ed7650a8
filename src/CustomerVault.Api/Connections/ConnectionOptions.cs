namespace CustomerVault.Connections;

/// <summary>Connection code settings (section <c>Vault:Connections</c>).</summary>
public sealed class ConnectionOptions
{
    public const string Section = "Vault:Connections";

    /// <summary>How long a connection code works: long enough to read it out at a counter, short enough to be worthless soon after.</summary>
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How many unused, unexpired codes a customer may hold at once.</summary>
    public int MaxLiveCodesPerCustomer { get; set; } = 5;

    /// <summary>How many failed redemptions a vendor may make in <see cref="FailureWindow"/> before it must wait (429).</summary>
    public int MaxFailedRedemptions { get; set; } = 10;

    public TimeSpan FailureWindow { get; set; } = TimeSpan.FromMinutes(15);
}
