namespace CustomerVault.Insights;

/// <summary>The vendor's scorecard and the figures customers see before deciding (section <c>Vault:Insights</c>).</summary>
public sealed class InsightsOptions
{
    public const string Section = "Vault:Insights";

    /// <summary>
    /// Fewest distinct customers a figure may rest on; below it the figure is withheld, so that no one customer's choice
    /// can be read out of it (k-anonymity).
    /// </summary>
    public int MinimumGroupSize { get; set; } = 10;

    /// <summary>How far back the scorecard looks: requests made, grants ended, renewals and reports within it.</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromDays(365);
}

public static class InsightsSetup
{
    public static IHostApplicationBuilder AddVaultInsights(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<InsightsOptions>().Bind(builder.Configuration.GetSection(InsightsOptions.Section))
            .Validate(o => o.MinimumGroupSize >= 2, $"{InsightsOptions.Section}:MinimumGroupSize must be at least 2: one customer is no crowd.")
            .Validate(o => o.Window >= TimeSpan.FromDays(1), $"{InsightsOptions.Section}:Window must be at least a day.")
            .ValidateOnStart();
        builder.Services.AddSingleton<VendorInsightsQuery>();
        return builder;
    }
}
