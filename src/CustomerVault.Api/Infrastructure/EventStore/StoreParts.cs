using JasperFx.Events.Projections;
using Marten;

namespace CustomerVault.Infrastructure.EventStore;

/// <summary>
/// A feature's share of the event store: its streams, documents, projections and tables. Each feature registers its own
/// in its <c>AddVault…</c>; tools that open the store without the host (the CLI, contract tests, benchmark seeds) take
/// every part there is, through <see cref="EventStoreSetup.ConfigureStore"/>.
/// </summary>
public interface IStorePart
{
    void Configure(StoreOptions options);
}

public static class StoreParts
{
    public static IServiceCollection AddStorePart<T>(this IServiceCollection services) where T : IStorePart, new() =>
        services.ConfigureMarten(options => new T().Configure(options));

    /// <summary>
    /// A stream and its events (see <see cref="EventStream"/>), projected inline: every decision (and every vendor read)
    /// sees the state the last acknowledged change left, on any node. The result configures the state's table.
    /// </summary>
    public static MartenRegistry.DocumentMappingExpression<T> AddEventStream<T>(this StoreOptions options) where T : class
    {
        options.Events.AddEventTypes([.. EventStream.Of<T>().EventTypes]);
        return options.Projections.Snapshot<T>(SnapshotLifecycle.Inline);
    }

    /// <summary>Adds SQL the feature keeps beside the store (see <see cref="SchemaScriptInstaller"/>).</summary>
    public static IServiceCollection AddSchemaScript(this IServiceCollection services, string sql) => services.AddSingleton(new SchemaScript(sql));

    /// <summary>The table a document type is stored in, for plain SQL on its owner's columns.</summary>
    public static string TableOf<T>(this IDocumentStore store) => store.Options.FindOrResolveDocumentType(typeof(T)).TableName.QualifiedName;

    /// <summary>Every feature's part, for the store opened outside the host.</summary>
    internal static IEnumerable<IStorePart> All() =>
        typeof(IStorePart).Assembly.GetTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.IsAssignableTo(typeof(IStorePart)))
            .OrderBy(t => t.FullName, StringComparer.Ordinal)
            .Select(t => (IStorePart)Activator.CreateInstance(t)!);
}
