using System.Diagnostics.Metrics;
using CustomerVault.AccessLog;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Infrastructure.Telemetry;
using CustomerVault.Vendors;

namespace CustomerVault.VendorAccess;

/// <summary>
/// <c>customervault.vendor.reads</c>: every vendor read, by outcome (<c>served</c>, <c>refused</c>, <c>failed</c>) and,
/// unless served, why. The refusal rate is what a customer's "no" looks like from the outside; a rise in
/// <c>failed</c> is the vault's own fault.
/// </summary>
public sealed class VendorReadMetrics(IMeterFactory meters)
{
    private readonly Counter<long> _reads = meters.Create(VaultTelemetry.MeterName).CreateCounter<long>(
        "customervault.vendor.reads", "{read}", "Vendor reads of customer profiles, by outcome and reason.");

    public void Served() => _reads.Add(1, new KeyValuePair<string, object?>(VaultTelemetry.ReadOutcome, "served"));

    public void Refused(ReadRefusal reason) => Refused(reason switch
    {
        ReadRefusal.UnknownVendor => "unknown_vendor",
        ReadRefusal.VendorSuspended => "vendor_suspended",
        ReadRefusal.CustomerErased => "customer_erased",
        ReadRefusal.UnknownCustomer => "unknown_customer",
        ReadRefusal.GrantPaused => "grant_paused",
        _ => "no_active_grant",
    });

    public void Refused(string reason) =>
        _reads.Add(1, new KeyValuePair<string, object?>(VaultTelemetry.ReadOutcome, "refused"), new KeyValuePair<string, object?>(VaultTelemetry.ReadReason, reason));

    /// <summary>Counts a read that ended in an exception, and lets the exception go on (use it in an exception filter).</summary>
    public bool Failed(Exception e)
    {
        if (e is VendorNotAllowedException or CustomerErasedException)
        {
            // Refusals the decision made, counted as such already.
        }
        else if (e is GrantChangedDuringReadException)
        {
            Refused("grant_changed");
        }
        else
        {
            _reads.Add(1, new KeyValuePair<string, object?>(VaultTelemetry.ReadOutcome, "failed"), new KeyValuePair<string, object?>(VaultTelemetry.ReadReason,
                e is AccessLogUnavailableException ? "access_log_unavailable" : e is OperationCanceledException ? "cancelled" : "error"));
        }

        return false;
    }
}
