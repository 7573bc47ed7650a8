using CustomerVault.Infrastructure.EventStore;
using Marten;

namespace CustomerVault.AccessLog;

public static class AccessLogSetup
{
    /// <summary>The customer's access log: its table, and the writer that commits reads before their data leaves.</summary>
    public static IHostApplicationBuilder AddVaultAccessLog(this IHostApplicationBuilder builder)
    {
        builder.Services.AddStorePart<AccessLogStore>();
        builder.Services.AddSingleton<AccessLogWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<AccessLogWriter>());
        return builder;
    }
}

/// <summary>The access log's own table, migrated with the store.</summary>
public sealed class AccessLogStore : IStorePart
{
    public void Configure(StoreOptions options) => options.Storage.ExtendedSchemaObjects.Add(AccessLogTable.Definition());
}
