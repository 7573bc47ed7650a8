namespace CustomerVault.Infrastructure.Telemetry;

/// <summary>
/// The vault's own meter and the attributes of its instruments. Names follow the OpenTelemetry conventions: a
/// <c>customervault.</c> namespace, dotted lowercase words, UCUM units, and no attribute that names a person, a vendor
/// or a token (bounded values only: outcomes, reasons, kinds).
/// </summary>
public static class VaultTelemetry
{
    public const string MeterName = "CustomerVault";

    public const string ReadOutcome = "customervault.read.outcome";
    public const string ReadReason = "customervault.read.reason";
    public const string DecisionKind = "customervault.decision.kind";
    public const string OutboxName = "customervault.outbox.name";
    public const string DeliveryResult = "customervault.delivery.result";
    public const string ErrorType = "error.type";
}
