using CustomerVault.Audit;

namespace CustomerVault.Cli;

/// <summary>
/// Where the CLI reads the vault's history: its database (operators, on the vault's network) or its API (auditors,
/// with a token). Either way the events come as stored, and everything an audit concludes from them (chains, the
/// checkpoint's root, replays, histories, as-of views) is computed here, by the same code, from those events.
/// </summary>
public interface IAuditSource : IAsyncDisposable
{
    /// <summary>"database" or "api", as the JSON output names it.</summary>
    string Name { get; }

    /// <summary>How the store reads and folds events.</summary>
    StoredEvents Events { get; }

    Task<Checkpoint?> LatestCheckpointAsync(CancellationToken cancellationToken);

    /// <summary>Has the vault make a signed checkpoint now: over the API, with an operator's credentials.</summary>
    Task<Checkpoint> MakeCheckpointAsync(CancellationToken cancellationToken);

    /// <summary>Checks the checkpoint's JWS: over the API against the published JWKS, from the database with the keys this machine has.</summary>
    Task<SignatureCheck> CheckSignatureAsync(Checkpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>Every stored event with its recorded hashes (a customer's record only, when one is named), each stream in version order.</summary>
    IAsyncEnumerable<ChainLink> LinksAsync(Guid? customer, CancellationToken cancellationToken);

    /// <summary>The events of a customer's record (hers and the vendors' they name), in global order; exit 4 when there is no such customer.</summary>
    Task<IReadOnlyList<StoredEvent>> CustomerEventsAsync(Guid customer, CancellationToken cancellationToken);

    /// <summary>Folds every stream from its events; the database source also writes the projections.</summary>
    Task<ReplayResult> ReplayAsync(Action<long, long?> progress, CancellationToken cancellationToken);
}

/// <param name="Status">valid, invalid, or unchecked (no key to check it with).</param>
/// <param name="KeyId">The key the JWS names (its kid).</param>
/// <param name="Problem">Why it is invalid or unchecked.</param>
public sealed record SignatureCheck(string Status, string? KeyId, string? Problem)
{
    public const string Valid = "valid";
    public const string Invalid = "invalid";
    public const string Unchecked = "unchecked";
}

/// <param name="Written">Whether the projections were written (database) or only rebuilt in memory (API).</param>
public sealed record ReplayResult(string Source, bool Written, long Events, int Streams, ReplayDocuments Documents, double Seconds, double EventsPerSecond);

public sealed record ReplayDocuments(int Profiles, int Vendors, int AccessRequests, int Grants);
