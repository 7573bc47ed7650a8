using CustomerVault.AccessLog;
using CustomerVault.Consents;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Profiles;
using CustomerVault.Vendors;
using Weasel.Core;

using JasperFx.Events;
using JasperFx.Events.Projections;
using Marten;

namespace CustomerVault.Infrastructure.EventStore;

public static class EventStoreSetup
{
    public const string Schema = "vault";

    /// <summary>
    /// The event store: every change to a profile or a consent is an event, appended and never rewritten. Each event
    /// records who caused it, the request's correlation id and its time (from the vault's clock). Projections that an
    /// access decision reads are inline: updated in the same transaction as the events, so a decision never sees a
    /// state older than the last acknowledged change, on any node.
    /// </summary>
    public static IServiceCollection AddVaultEventStore(this IServiceCollection services, IConfiguration configuration, IHostEnvironment environment)
    {
        services.AddMarten(ConfigureStore)
            .UseNpgsqlDataSource()
            .UseLightweightSessions()
            .BuildSessionsWith<VaultSessionFactory>(ServiceLifetime.Scoped)
            .ApplyAllDatabaseChangesOnStartup();

        // Event times come from the vault's clock, the same one every rule reads, so tests can move time.
        services.ConfigureMarten((sp, options) => options.Events.TimeProvider = sp.GetRequiredService<TimeProvider>());

        // Loaded now, not on first use: a missing master key stops the start-up with its own message.
        services.AddSingleton(MasterKey.Load(configuration, environment));
        services.AddSingleton<CustomerKeyring>();
        return services;
    }

    /// <summary>Every event the vault stores.</summary>
    public static readonly IReadOnlyList<Type> EventTypes =
    [
        typeof(CustomerRegistered), typeof(ProfileAttributeSet), typeof(ProfileAttributeCleared), typeof(CustomerErased),
        typeof(VendorRegistered), typeof(VendorSecretRotated), typeof(VendorSuspended), typeof(VendorReactivated),
        typeof(VendorWebhookChanged), typeof(VendorWebhookSecretRotated),
        typeof(AccessRequested), typeof(AccessRequestApproved), typeof(AccessRequestDenied), typeof(AccessRequestExpired),
        typeof(AccessGranted), typeof(GrantNarrowed), typeof(GrantRevoked), typeof(GrantRelinquished), typeof(GrantExpired),
    ];

    /// <summary>The store's schema, event types and projections; also used by tests that check stored contracts.</summary>
    public static void ConfigureStore(StoreOptions options)
    {
        options.DatabaseSchemaName = Schema;
        options.Events.DatabaseSchemaName = Schema;
        options.Events.MetadataConfig.UserNameEnabled = true;
        options.Events.MetadataConfig.CorrelationIdEnabled = true;
        options.Events.MetadataConfig.CausationIdEnabled = true;
        options.Events.MetadataConfig.HeadersEnabled = true;

        // Enums are stored by name: readable in SQL and in audits, and safe to reorder.
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString);

        options.Events.AddEventTypes([.. EventTypes]);

        // Inline: every decision (and every vendor read) sees the state the last acknowledged change left.
        options.Projections.Snapshot<Profile>(SnapshotLifecycle.Inline);
        options.Projections.Snapshot<Vendor>(SnapshotLifecycle.Inline);
        options.Projections.Snapshot<AccessRequest>(SnapshotLifecycle.Inline);
        options.Projections.Snapshot<Grant>(SnapshotLifecycle.Inline);

        options.Schema.For<CustomerDataKey>();
        options.Schema.For<Vendor>().UniqueIndex(v => v.ClientId);
        options.Schema.For<AccessRequest>().Duplicate(r => r.CustomerId).Duplicate(r => r.VendorId);
        options.Schema.For<Grant>().Duplicate(g => g.CustomerId).Duplicate(g => g.VendorId);
        options.Schema.For<IdempotencyRecord>().Identity(r => r.Id);
        options.Schema.For<VendorWebhookSecret>();
        options.Projections.Add(new Webhooks.WebhookOutboxProjection(), ProjectionLifecycle.Inline);
        options.Storage.ExtendedSchemaObjects.Add(AccessLogTable.Definition());
    }
}
