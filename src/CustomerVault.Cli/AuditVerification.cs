using CustomerVault.Audit;

namespace CustomerVault.Cli;

/// <param name="Verified">Every chain holds and the latest checkpoint (when there is one) matches the events and carries a valid signature.</param>
public sealed record VerifyResult(string Source, Guid? Customer, bool Verified, ChainsResult Chains, CheckpointResult? Checkpoint);

public sealed record ChainsResult(bool Intact, long Streams, long Events, BrokenLink? FirstBroken);

/// <param name="Matches">The events up to the checkpoint still hash to its root (absent when only one customer's record was read).</param>
/// <param name="RecomputedRoot">The root of the stream heads recomputed from the events up to the checkpoint.</param>
/// <param name="Signature">valid, invalid, or unchecked.</param>
public sealed record CheckpointResult(
    Guid Id, DateTimeOffset CreatedAt, long Sequence, long? Position, int Streams, string Root, bool? Matches, string? RecomputedRoot,
    string Signature, string? KeyId, string? SignatureProblem);

/// <summary>
/// Verifies in one pass over the events, whatever their source: every stream's chain, and the heads as they stood at
/// the latest checkpoint, whose root is recomputed and compared with the signed one.
/// </summary>
public static class AuditVerification
{
    public static async Task<VerifyResult> RunAsync(IAuditSource source, Guid? customer, Action<long, long?> progress, CancellationToken cancellationToken)
    {
        // The checkpoint first: every event it covers was committed before it was made, so the events read next include them all.
        var checkpoint = await source.LatestCheckpointAsync(cancellationToken);
        var check = new ChainCheck();
        // One customer's record is not the whole store: its heads cannot make the checkpoint's root.
        var atCheckpoint = checkpoint is not null && customer is null ? new Dictionary<Guid, StreamHead>() : null;
        var extent = checkpoint is null ? default : new ChainExtent(checkpoint.Sequence, checkpoint.Position);
        await foreach (var link in source.LinksAsync(customer, cancellationToken))
        {
            var head = check.Add(link);
            if (atCheckpoint is not null && link.Within(extent))
            {
                atCheckpoint[link.StreamId] = head;
            }

            if (check.Events % 10_000 == 0)
            {
                progress(check.Events, null);
            }
        }

        var report = check.Report();
        var chains = new ChainsResult(report.Intact, report.Streams, report.Events, report.FirstBroken);
        if (checkpoint is null)
        {
            return new VerifyResult(source.Name, customer, chains.Intact, chains, null);
        }

        var signature = await source.CheckSignatureAsync(checkpoint, cancellationToken);
        var recomputedRoot = atCheckpoint is null ? null : ChainVerifier.Root(atCheckpoint);
        bool? matches = atCheckpoint is null ? null : recomputedRoot == checkpoint.Root && atCheckpoint.Count == checkpoint.Streams;
        var result = new CheckpointResult(checkpoint.Id, checkpoint.CreatedAt, checkpoint.Sequence, checkpoint.Position, checkpoint.Streams, checkpoint.Root, matches,
            recomputedRoot, signature.Status, signature.KeyId, signature.Problem);
        var verified = chains.Intact && matches != false && signature.Status != SignatureCheck.Invalid;
        return new VerifyResult(source.Name, customer, verified, chains, result);
    }
}
