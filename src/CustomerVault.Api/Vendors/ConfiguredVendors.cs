using CustomerVault.Identity;

namespace CustomerVault.Vendors;

/// <summary>Registers the vendors named in configuration (the Development demo vendor) once the event store is ready.</summary>
public sealed class ConfiguredVendors(IServiceProvider services, IConfiguration configuration) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var (clientId, registration) in ClientRegistrations.Configured(configuration).Where(c => c.Value.ActorType == VaultClaims.ActorTypes.Vendor))
        {
            await using var scope = services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<VendorRegistry>().EnsureConfiguredAsync(clientId, registration, cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
