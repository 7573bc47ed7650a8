using CustomerVault.Identity;
using CustomerVault.Infrastructure.EventStore;

namespace CustomerVault.Audit;

public static class AuditSetup
{
    /// <summary>
    /// Tamper evidence and the auditors' reads: the hash chain (a trigger on the event table), signed checkpoints and
    /// their schedule, the signer for receipts and exports, and the readers that replay the events.
    /// </summary>
    public static IHostApplicationBuilder AddVaultAudit(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuditOptions>().Bind(builder.Configuration.GetSection(AuditOptions.Section));
        services.AddSchemaScript(EventChain.InstallSql);
        services.AddSchemaScript(Checkpoints.InstallSql);
        services.AddSingleton(sp => new VaultSigner(sp.GetRequiredService<VaultCertificates>(), sp.GetRequiredService<VaultIssuer>()));
        services.AddSingleton<Checkpoints>();
        services.AddSingleton<StoredEvents>();
        services.AddHostedService<CheckpointScheduler>();
        return builder;
    }
}
