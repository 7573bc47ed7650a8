using CustomerVault.Consents;

namespace CustomerVault.AccessLog;

/// <summary>
/// A company that holds her data but no longer uses it: the question to put to her is whether it still needs it.
/// Regulators ask the same (Australia's CDR reminds the consumer of every consent 90 days after she last looked; the
/// UK shows when each third party last pulled data); an unused grant is exposure without benefit.
/// </summary>
public static class Dormancy
{
    public static readonly TimeSpan After = TimeSpan.FromDays(90);

    /// <summary>
    /// Dormant: some grant is active, the company has not read in <see cref="After"/>, and it has held access that long
    /// (a grant made last week that has not been used yet is not neglect).
    /// </summary>
    public static bool IsDormant(IReadOnlyCollection<Grant> activeGrants, DateTimeOffset? lastRead, DateTimeOffset now) =>
        activeGrants.Count > 0
        && now - activeGrants.Min(g => g.GrantedAt) >= After
        && (lastRead is not { } read || now - read >= After);
}
