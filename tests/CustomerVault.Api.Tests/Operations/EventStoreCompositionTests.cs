using CustomerVault.Api.Tests.Support;
using CustomerVault.Infrastructure.EventStore;
using Marten;
using Marten.Schema;
using Microsoft.Extensions.DependencyInjection;

namespace CustomerVault.Api.Tests.Operations;

/// <summary>
/// The host gets the store's parts from each feature's registration; the CLI and the contract tests take every part
/// there is. A feature that forgot to register its part would leave the two stores different.
/// </summary>
public sealed class EventStoreCompositionTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public void The_host_store_has_every_features_part()
    {
        var host = app.Services.GetRequiredService<IDocumentStore>().Options;
        var standalone = new StoreOptions();
        EventStoreSetup.ConfigureStore(standalone);

        Assert.Equal(Describe(standalone), Describe(host));
    }

    private static IReadOnlyList<string> Describe(IReadOnlyStoreOptions options) =>
    [
        .. options.Events.AllKnownEventTypes().Where(e => IsTheVaults(e.EventType)).Select(e => $"event {e.EventTypeName}").Order(),
        .. options.AllKnownDocumentTypes().Where(d => IsTheVaults(d.DocumentType)).Cast<DocumentMapping>()
            .SelectMany(d => new[] { $"document {d.Alias}" }
                .Concat(d.DuplicatedFields.Select(f => $"column {d.Alias}.{f.ColumnName}"))
                .Concat(d.Indexes.Select(i => $"index {d.Alias}.{string.Join(",", i.Columns ?? [])}")))
            .Order(),
        .. options.Events.Projections().Select(p => $"projection {p.Name}").Order(),
        .. ((StoreOptions)options).Storage.ExtendedSchemaObjects.Select(o => $"table {o.Identifier}").Order(),
    ];

    // The store adds types of its own (dead letters, archiving); the comparison is of the vault's.
    private static bool IsTheVaults(Type type) => type.Assembly == typeof(EventStoreSetup).Assembly;
}
