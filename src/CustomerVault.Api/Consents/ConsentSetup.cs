using CustomerVault.Infrastructure.EventStore;
using Marten;

namespace CustomerVault.Consents;

public static class ConsentSetup
{
    /// <summary>Requests and grants: their streams, the consent settings, the decision metrics, and the sweeper that records expiries.</summary>
    public static IHostApplicationBuilder AddVaultConsents(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ConsentOptions>().Bind(builder.Configuration.GetSection(ConsentOptions.Section))
            .Validate(o => o.MaxPendingRequestsPerVendorAndCustomer >= 1, $"{ConsentOptions.Section}:MaxPendingRequestsPerVendorAndCustomer must be at least 1.")
            .Validate(o => o.MaxPendingRequestsPerCustomer >= 1, $"{ConsentOptions.Section}:MaxPendingRequestsPerCustomer must be at least 1.")
            .Validate(o => o.MaxActiveGrantsPerCustomer >= 1, $"{ConsentOptions.Section}:MaxActiveGrantsPerCustomer must be at least 1.")
            .Validate(o => o.MaxActiveGrantsPerVendorAndCustomer >= 1, $"{ConsentOptions.Section}:MaxActiveGrantsPerVendorAndCustomer must be at least 1.")
            .Validate(o => o.RequestLifetime > TimeSpan.Zero, $"{ConsentOptions.Section}:RequestLifetime must be positive.")
            .Validate(o => o.ExpirySweepInterval >= TimeSpan.FromSeconds(1), $"{ConsentOptions.Section}:ExpirySweepInterval must be at least a second.")
            .Validate(o => o.MaxDuration.All(e => Purposes.IsKnown(e.Key) && IsoDuration.TryParse(e.Value, out var d) && d.IsAcceptableFrom(DateTimeOffset.UnixEpoch)),
                $"{ConsentOptions.Section}:MaxDuration:<purpose> must name a known purpose and be an ISO 8601 duration of at most P2Y.")
            .Validate(o => o.ReviewReminderAfter >= TimeSpan.FromDays(1), $"{ConsentOptions.Section}:ReviewReminderAfter must be at least a day.")
            .Validate(o => o.ReconfirmAfter.All(e => Purposes.IsKnown(e.Key) && e.Value >= TimeSpan.FromDays(1)),
                $"{ConsentOptions.Section}:ReconfirmAfter:<purpose> must name a known purpose and be at least a day.")
            .Validate(o => o.ReviewSweepInterval >= TimeSpan.FromSeconds(1), $"{ConsentOptions.Section}:ReviewSweepInterval must be at least a second.")
            .Validate(o => o.DeletionConfirmationPeriod > TimeSpan.Zero, $"{ConsentOptions.Section}:DeletionConfirmationPeriod must be positive.")
            .ValidateOnStart();
        services.AddStorePart<ConsentStore>();
        services.AddSingleton<ConsentDecisionMetrics>();
        services.ConfigureMarten((sp, options) => options.Listeners.Add(sp.GetRequiredService<ConsentDecisionMetrics>()));
        services.AddScoped<AnswerAuthorizationRequest>();
        services.AddSingleton<ExpirySweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<ExpirySweeper>());
        services.AddSingleton<ReviewSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<ReviewSweeper>());
        return builder;
    }
}
