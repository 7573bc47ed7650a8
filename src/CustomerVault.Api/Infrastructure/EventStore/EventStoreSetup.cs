using CustomerVault.Infrastructure.Encryption;
using Marten;
using Weasel.Core;

namespace CustomerVault.Infrastructure.EventStore;

public static class EventStoreSetup
{
    public const string Schema = "vault";

    /// <summary>
    /// The event store: every change to a profile or a consent is an event, appended and never rewritten. Each event
    /// records who caused it, the request's correlation id and its time (from the vault's clock). Its streams,
    /// documents, projections and tables are each feature's own part (<see cref="IStorePart"/>), registered by the
    /// feature; the store migrates them at start-up, and then runs the features' schema scripts.
    /// </summary>
    public static IServiceCollection AddVaultEventStore(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddMarten(ConfigureCommon)
            .UseNpgsqlDataSource()
            .UseLightweightSessions()
            .BuildSessionsWith<VaultSessionFactory>(ServiceLifetime.Scoped)
            .ApplyAllDatabaseChangesOnStartup();

        // Event times come from the vault's clock, the same one every rule reads, so tests can move time.
        services.ConfigureMarten((sp, options) =>
        {
            options.Events.TimeProvider = sp.GetRequiredService<TimeProvider>();
            options.Logger(new StoreLogger(sp.GetRequiredService<ILogger<IDocumentStore>>()));
        });

        // After the store's migration (registered just above), before any feature's background work.
        services.AddHostedService<SchemaScriptInstaller>();

        // Loaded now, not on first use: a missing master key stops the start-up with its own message.
        services.AddSingleton(MasterKeys.Load(configuration, environment));
        services.AddSingleton<CustomerKeyring>();
        return services;
    }

    /// <summary>
    /// The whole store as the vault has it: the common settings and every feature's part. For tools that open the store
    /// without the host (the CLI, contract tests, benchmark seeds); the host gets the same parts from each feature.
    /// </summary>
    public static void ConfigureStore(StoreOptions options)
    {
        ConfigureCommon(options);
        foreach (var part in StoreParts.All())
        {
            part.Configure(options);
        }
    }

    private static void ConfigureCommon(StoreOptions options)
    {
        options.DatabaseSchemaName = Schema;
        options.Events.DatabaseSchemaName = Schema;
        options.Events.MetadataConfig.UserNameEnabled = true;
        options.Events.MetadataConfig.CorrelationIdEnabled = true;
        options.Events.MetadataConfig.CausationIdEnabled = true;
        options.Events.MetadataConfig.HeadersEnabled = true;

        // Enums are stored by name: readable in SQL and in audits, and safe to reorder.
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString);

        // Each customer's data key, beside the store so that erasure destroys it in the same transaction.
        options.Schema.For<CustomerDataKey>();
    }
}
