using System.Diagnostics;
using System.Runtime.CompilerServices;
using CustomerVault.Audit;
using CustomerVault.Infrastructure.EventStore;
using Marten;

namespace CustomerVault.Cli;

/// <summary>
/// The vault's API, for auditors outside its network: the events come from the auditors' feed as stored, their hashes
/// are recomputed here, and the checkpoint's signature is checked against the keys the vault publishes. Nothing the
/// vault concludes about itself is taken on trust.
/// </summary>
public sealed class ApiAuditSource : IAuditSource
{
    private readonly VaultApiClient _api;
    private readonly DocumentStore _store;

    private ApiAuditSource(VaultApiClient api, DocumentStore store)
    {
        _api = api;
        _store = store;
        Events = new StoredEvents(store);
    }

    public string Name => "api";

    public StoredEvents Events { get; }

    public static async Task<ApiAuditSource> ConnectAsync(Uri vault, ApiCredentials credentials, CancellationToken cancellationToken)
    {
        var api = await VaultApiClient.ConnectAsync(vault, credentials, cancellationToken);
        // The store's configuration without a database: how events are named, read and folded. Nothing connects to it.
        var store = DocumentStore.For(options =>
        {
            EventStoreSetup.ConfigureStore(options);
            options.Connection("Host=localhost;Database=none");
            options.AutoCreateSchemaObjects = JasperFx.AutoCreate.None;
        });
        return new ApiAuditSource(api, store);
    }

    public Task<Checkpoint?> LatestCheckpointAsync(CancellationToken cancellationToken) =>
        _api.GetAsync<Checkpoint>("v1/audit/checkpoints/latest", VaultApiClient.AuditorRole, cancellationToken);

    public Task<Checkpoint> MakeCheckpointAsync(CancellationToken cancellationToken) =>
        _api.PostAsync<Checkpoint>("v1/audit/checkpoints", VaultApiClient.OperatorRole, cancellationToken);

    public async Task<SignatureCheck> CheckSignatureAsync(Checkpoint checkpoint, CancellationToken cancellationToken) =>
        await SignatureCheck.OfAsync(checkpoint, (await _api.KeysAsync(cancellationToken)).GetSigningKeys().ToList(),
            $"is published at {_api.JwksUri}", _api.Issuer, withoutKeys: null);

    public async IAsyncEnumerable<ChainLink> LinksAsync(Guid? customer, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in FeedAsync(customer, cancellationToken))
        {
            // The hash covers PostgreSQL's text of the stored jsonb, which follows from the value alone.
            yield return new ChainLink(e.Sequence, e.StreamId, e.Version, e.Type, e.At, e.Actor, JsonbText.Render(e.Data), e.Hash, e.PreviousHash, e.Position);
        }
    }

    public async Task<IReadOnlyList<StoredEvent>> CustomerEventsAsync(Guid customer, CancellationToken cancellationToken)
    {
        var events = new List<StoredEvent>();
        await foreach (var e in FeedAsync(customer, cancellationToken))
        {
            events.Add(new StoredEvent(e.Sequence, e.StreamId, e.Version, e.Type, e.At, e.Actor, e.CorrelationId, Deserialize(e), e.Hash));
        }

        return events;
    }

    /// <summary>Folds every stream from the feed, in memory: proof that the history replays, and what it replays to. Writes nothing.</summary>
    public async Task<ReplayResult> ReplayAsync(Action<long, long?> progress, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var states = new Dictionary<Guid, object>();
        long events = 0;
        await foreach (var e in FeedAsync(null, cancellationToken))
        {
            states[e.StreamId] = Events.Replay.Step(states.GetValueOrDefault(e.StreamId), e.Version, Deserialize(e));
            if (++events % 10_000 == 0)
            {
                progress(events, null);
            }
        }

        progress(events, null);
        var documents = states.Values.GroupBy(s => s.GetType()).ToDictionary(g => g.Key, g => g.Count());
        return ReplayCount.Result(Name, written: false, events, documents, stopwatch.Elapsed);
    }

    public async ValueTask DisposeAsync()
    {
        await _api.DisposeAsync();
        await _store.DisposeAsync();
    }

    private IAsyncEnumerable<FeedEvent> FeedAsync(Guid? customer, CancellationToken cancellationToken) =>
        _api.FeedAsync(customer is { } id ? $"v1/audit/customers/{id}/events" : "v1/audit/events", $"No customer {customer} in this vault.", cancellationToken);

    private object Deserialize(FeedEvent e)
    {
        try
        {
            return Events.Deserialize(e.Type, e.Data);
        }
        catch (InvalidOperationException ex)
        {
            throw new CliException(ExitCodes.DatabaseUnavailable,
                $"The vault's feed holds an event this customervault does not know ({ex.Message}): use the CLI of the vault's version.", ex);
        }
    }
}
