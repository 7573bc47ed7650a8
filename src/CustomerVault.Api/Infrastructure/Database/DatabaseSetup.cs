using Npgsql;

namespace CustomerVault.Infrastructure.Database;

public static class DatabaseSetup
{
    /// <summary>
    /// The vault's database (<see cref="VaultDatabase"/>), its two data sources (every write and most reads; the
    /// vendor read path's own), and 503 instead of 500 while it is unavailable.
    /// </summary>
    public static IServiceCollection AddVaultDatabase(this IServiceCollection services)
    {
        services.AddSingleton<VaultDatabase>();
        services.AddHostedService(sp => sp.GetRequiredService<VaultDatabase>());
        services.AddSingleton(sp => new NpgsqlDataSourceBuilder(VaultDatabase.Tuned(sp.GetRequiredService<VaultDatabase>().ConnectionString))
        {
            // The name is what metrics and spans call the pool; by default it would be the connection string.
            Name = "vault",
        }.Build());
        services.AddSingleton(sp => ReadDataSource.Create(sp.GetRequiredService<VaultDatabase>().ConnectionString));
        services.AddExceptionHandler<DatabaseUnavailableHandler>();
        return services;
    }
}
