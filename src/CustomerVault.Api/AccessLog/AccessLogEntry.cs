namespace CustomerVault.AccessLog;

public enum AccessKind
{
    Read,
    Contact,
}

/// <summary>
/// One use of a customer's data by a vendor: a read (which attributes, under which grants, for which purpose)
/// or a contact (on which channel). Names of attributes only, never their values. Written before the data leaves
/// the vault, and never changed afterwards.
/// </summary>
public sealed record AccessLogEntry(
    Guid Id, Guid CustomerId, Guid VendorId, AccessKind Kind, string Purpose, IReadOnlyList<Guid> GrantIds,
    IReadOnlyList<string> Attributes, string? Channel, DateTimeOffset At, string RequestId);

/// <summary>The read's log record could not be written, so the read was not served.</summary>
public sealed class AccessLogUnavailableException(Exception inner)
    : Exception("The access log could not record this read, so no data was returned.", inner);

/// <summary>A grant the read relied on changed (revoked, narrowed, relinquished, expired) while the read was being served.</summary>
public sealed class GrantChangedDuringReadException()
    : Exception("A grant this read relied on changed while the read was being served; no data was returned.");
