using System.Diagnostics;
using System.Text.Json.Nodes;
using CustomerVault.AccessLog;
using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Profiles;
using CustomerVault.Vendors;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.VendorAccess;

/// <param name="CustomerId">Your id for the customer, as you gave it.</param>
/// <param name="Grants">The grants this read used.</param>
/// <param name="Scopes">The scopes those grants cover for this purpose.</param>
/// <param name="Profile">Exactly the attributes those scopes cover, of those the customer has set.</param>
/// <param name="AccessId">The id of this read in the customer's access log.</param>
public sealed record VendorProfileRead(
    Guid CustomerId, string Purpose, IReadOnlyList<Guid> Grants, IReadOnlyList<string> Scopes, ProfileDocument Profile, Guid AccessId, DateTimeOffset ReadAt);

/// <summary>
/// The vendor reads a customer's profile: what <see cref="VendorRead.Decide"/> allows, decided on the current state
/// loaded in one round trip, and only after the read is in the customer's access log.
/// </summary>
public static class ReadCustomerProfile
{
    public static RouteHandlerBuilder MapReadCustomerProfile(this IEndpointRouteBuilder vendor) =>
        vendor.MapGet("/customers/{customerId:guid}/profile", Handle)
            .WithName("ReadCustomerProfile")
            .WithSummary("Read the attributes your active grants cover for the purpose you state")
            .WithDescription("purpose is required (purpose limitation): only grants for that purpose count. The decision reads the current state "
                             + "on every request: after the customer revokes, the next read is refused. Every read is logged for the customer first.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

    private static async Task<Results<Ok<VendorProfileRead>, ProblemHttpResult>> Handle(
        Guid customerId, string? purpose, VendorToken token, VendorReadQuery query, CustomerKeyring keyring, AccessLogWriter accessLog,
        VendorReadMetrics metrics, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        if (!Purposes.IsKnown(purpose))
        {
            metrics.Refused("invalid_purpose");
            throw RequestValidationException.For("purpose", $"is required and must be one of {string.Join(", ", Purposes.All)}: say why you read.");
        }

        try
        {
            return await ReadAsync(customerId, purpose!, token, query, keyring, accessLog, metrics, clock, http, cancellationToken);
        }
        catch (Exception e) when (metrics.Failed(e))
        {
            throw;
        }
    }

    private static async Task<Results<Ok<VendorProfileRead>, ProblemHttpResult>> ReadAsync(
        Guid customerId, string purpose, VendorToken token, VendorReadQuery query, CustomerKeyring keyring, AccessLogWriter accessLog,
        VendorReadMetrics metrics, TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var state = await query.LoadAsync(token.VendorId, customerId, cancellationToken);
        var decision = VendorRead.Decide(state, purpose, now);
        if (decision is VendorReadDecision.Refused refused)
        {
            metrics.Refused(refused.Reason);
        }

        switch (decision)
        {
            case VendorReadDecision.Refused { Reason: ReadRefusal.UnknownVendor or ReadRefusal.VendorSuspended }:
                throw CallingVendor.NotAllowed(state.VendorStatus);
            case VendorReadDecision.Refused { Reason: ReadRefusal.UnknownCustomer }:
                throw new UnknownCustomerException();
            case VendorReadDecision.Refused { Reason: ReadRefusal.CustomerErased }:
                throw new CustomerErasedException(customerId);
            case VendorReadDecision.Allowed allowed:
                // Her log is keyed by her vault id; the vendor named her by its own id for her.
                var entry = new AccessLogEntry(Guid.CreateVersion7(), state.Customer.CustomerId!.Value, token.VendorId, AccessKind.Read, purpose, allowed.Grants.Select(g => g.Id).ToList(),
                    allowed.Attributes, null, now, Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier);

                // Nothing leaves before the customer's log holds this read.
                await accessLog.RecordAsync(entry, allowed.Grants.ToDictionary(g => g.Id, g => g.Version), cancellationToken);

                JsonObject document;
                using (var cipher = keyring.Open(state.Key!))
                {
                    document = ProfileDocument.Open(state.Profile!.Attributes, cipher, allowed.Attributes.Contains);
                }

                metrics.Served();
                return TypedResults.Ok(new VendorProfileRead(customerId, purpose, entry.GrantIds, allowed.Scopes, ProfileDocument.From(document), entry.Id, now));
            case VendorReadDecision.Refused { Reason: ReadRefusal.GrantPaused }:
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The grant is paused until the customer confirms it.",
                    detail: $"Your grant for the purpose '{purpose}' asks the customer to reconfirm it, and she has not yet: it stands, but nothing is read under it "
                            + "until she confirms (you learn it from the grant's status, or the grant.resumed notification).",
                    extensions: new Dictionary<string, object?> { ["currentState"] = "paused" });
            default:
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "No active grant covers this read.",
                    detail: $"This customer has no active grant to you for the purpose '{purpose}'.");
        }
    }
}
