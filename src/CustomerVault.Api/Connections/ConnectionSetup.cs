using CustomerVault.Infrastructure.EventStore;
using Marten;

namespace CustomerVault.Connections;

public static class ConnectionSetup
{
    /// <summary>
    /// Who knows whom: each vendor's pairwise ids for the customers it is connected to, the connection codes customers
    /// hand out, and the throttle on guessing them; existing relationships get their ids at start-up.
    /// </summary>
    public static IHostApplicationBuilder AddVaultConnections(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ConnectionOptions>().Bind(builder.Configuration.GetSection(ConnectionOptions.Section))
            .Validate(o => o.CodeLifetime > TimeSpan.Zero, $"{ConnectionOptions.Section}:CodeLifetime must be positive.")
            .Validate(o => o.MaxLiveCodesPerCustomer >= 1, $"{ConnectionOptions.Section}:MaxLiveCodesPerCustomer must be at least 1.")
            .Validate(o => o.MaxFailedRedemptions >= 1, $"{ConnectionOptions.Section}:MaxFailedRedemptions must be at least 1.")
            .Validate(o => o.FailureWindow > TimeSpan.Zero, $"{ConnectionOptions.Section}:FailureWindow must be positive.")
            .ValidateOnStart();
        services.AddStorePart<ConnectionStore>();
        services.AddSingleton(sp => new SchemaScript(ConnectionTables.Backfill(sp.GetRequiredService<IDocumentStore>())));
        return builder;
    }
}

/// <summary>The connections' own tables (<see cref="ConnectionTables"/>), migrated with the store.</summary>
public sealed class ConnectionStore : IStorePart
{
    public void Configure(StoreOptions options)
    {
        foreach (var table in ConnectionTables.Definitions())
        {
            options.Storage.ExtendedSchemaObjects.Add(table);
        }
    }
}
