using CustomerVault.AccessLog;
using CustomerVault.Vendors;

namespace CustomerVault.Consents;

public static class ConsentSetup
{
    public static IServiceCollection AddVaultConsents(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ConsentOptions>().Bind(configuration.GetSection(ConsentOptions.Section))
            .Validate(o => o.MaxPendingRequestsPerVendorAndCustomer >= 1, $"{ConsentOptions.Section}:MaxPendingRequestsPerVendorAndCustomer must be at least 1.")
            .Validate(o => o.RequestLifetime > TimeSpan.Zero, $"{ConsentOptions.Section}:RequestLifetime must be positive.")
            .Validate(o => o.ExpirySweepInterval >= TimeSpan.FromSeconds(1), $"{ConsentOptions.Section}:ExpirySweepInterval must be at least a second.")
            .ValidateOnStart();
        // First: the hash chain must be in place before anything appends events at start-up.
        services.AddHostedService<Audit.EventChainInstaller>();
        services.AddScoped<VendorRegistry>();
        services.AddHostedService<ConfiguredVendors>();
        services.AddSingleton<VendorReadQuery>();
        services.AddSingleton<AccessLogWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<AccessLogWriter>());
        services.AddOptions<Audit.AuditOptions>().Bind(configuration.GetSection(Audit.AuditOptions.Section));
        services.AddSingleton(sp => new Audit.VaultSigner(sp.GetRequiredService<Identity.VaultCertificates>()));
        services.AddSingleton<Audit.Checkpoints>();
        services.AddSingleton<Audit.StoredEvents>();
        services.AddHostedService<Audit.CheckpointScheduler>();
        services.AddSingleton<ExpirySweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<ExpirySweeper>());
        services.AddSingleton<MyData.ErasedCustomers>();
        services.AddScoped<MyData.CustomerExport>();
        services.AddScoped<MyData.CustomerErasure>();
        return services;
    }
}
