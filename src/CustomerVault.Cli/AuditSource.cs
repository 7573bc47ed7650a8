using CustomerVault.Audit;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

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

    /// <summary>
    /// Checks a checkpoint's JWS with the key its kid names among <paramref name="keys"/>, and its signed claims against
    /// its record (and its issuer, when one is expected).
    /// </summary>
    /// <param name="keysAre">Where the keys come from, for the message when none has the kid.</param>
    /// <param name="withoutKeys">Why there are no keys to check with (unchecked); null when having none makes it invalid.</param>
    public static async Task<SignatureCheck> OfAsync(
        Checkpoint checkpoint, IReadOnlyCollection<SecurityKey> keys, string keysAre, string? issuer, string? withoutKeys)
    {
        string? kid;
        try
        {
            kid = new JsonWebToken(checkpoint.Jws).Kid;
        }
        catch (ArgumentException e)
        {
            return new SignatureCheck(Invalid, null, $"the checkpoint's JWS is malformed: {e.Message}");
        }

        if (keys.Count == 0 && withoutKeys is not null)
        {
            return new SignatureCheck(Unchecked, kid, withoutKeys);
        }

        if (string.IsNullOrEmpty(kid) || keys.All(k => k.KeyId != kid))
        {
            return new SignatureCheck(Invalid, kid, $"no key '{kid}' {keysAre}");
        }

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(checkpoint.Jws, Checkpoints.ValidationParameters(keys));
        return !result.IsValid ? new SignatureCheck(Invalid, kid, result.Exception?.Message ?? "the signature does not verify")
            : issuer is not null && result.Claims.TryGetValue("iss", out var named) && named as string != issuer
                ? new SignatureCheck(Invalid, kid, $"it names the issuer {named}; the vault is {issuer}")
            : !Checkpoints.ClaimsMatch(result.Claims, checkpoint) ? new SignatureCheck(Invalid, kid, "the signed claims differ from the checkpoint's record")
            : new SignatureCheck(Valid, kid, null);
    }
}

/// <param name="Written">Whether the projections were written (database) or only rebuilt in memory (API).</param>
public sealed record ReplayResult(string Source, bool Written, long Events, int Streams, ReplayDocuments Documents, double Seconds, double EventsPerSecond);

public sealed record ReplayDocuments(int Profiles, int Vendors, int AccessRequests, int Grants);
