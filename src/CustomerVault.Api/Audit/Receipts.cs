using System.Text.Json;
using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Identity;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using CustomerVault.Vendors;
using JasperFx.Events;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Audit;

/// <param name="Event">granted (approval or the customer's own grant), extended (approval of a request that extends it), narrowed, confirmed (she keeps sharing), paused (unconfirmed past its purpose's reconfirmation period), resumed (confirmed while paused), revoked, relinquished or expired.</param>
/// <param name="Receipt">The signed content, readable: a consent receipt after the Kantara Consent Receipt specification and ISO/IEC 29184.</param>
/// <param name="Jws">The receipt signed by the vault (RS256); verify it against /.well-known/jwks.</param>
public sealed record ConsentReceiptView(Guid ReceiptId, Guid GrantId, string Event, DateTimeOffset IssuedAt, ConsentReceipt Receipt, string Jws);

/// <summary>A consent receipt's content, before it is signed on its own (<see cref="ConsentReceiptView"/>) or within a signed document.</summary>
public sealed record ReceiptContent(Guid ReceiptId, Guid GrantId, string Event, DateTimeOffset IssuedAt, ConsentReceipt Receipt);

/// <summary>
/// Consent receipts: for every approval, grant, narrowing, revocation, relinquishment and expiry, a statement of what
/// was agreed, with whom, for what, until when, signed by the vault so that the customer, the vendor or anyone they
/// show it to can check it. Built from the grant's events, so the receipt for an event never changes.
/// </summary>
public static class Receipts
{
    public const string JwsType = "consent-receipt+jwt";

    public static RouteGroupBuilder MapReceiptsForCustomers(this RouteGroupBuilder me)
    {
        me.MapGet("/grants/{grantId:guid}/receipt", (Guid grantId, CustomerPrincipal customer, IQuerySession session, VaultSigner signer, CancellationToken ct) =>
                LatestAsync(grantId, Party.Customer(customer.Id), session, signer, ct))
            .WithName("GetMyGrantReceipt").WithSummary("The consent receipt for the latest change of one of your grants").ProducesProblem(StatusCodes.Status404NotFound);
        me.MapGet("/grants/{grantId:guid}/receipts", (Guid grantId, int? limit, int? offset, CustomerPrincipal customer, IQuerySession session, VaultSigner signer,
                    HttpRequest request, CancellationToken ct) =>
                AllAsync(grantId, Paging.Of(limit, offset), Party.Customer(customer.Id), session, signer, request, ct))
            .WithName("ListMyGrantReceipts").WithSummary("Every consent receipt of one of your grants, oldest first")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        return me;
    }

    public static IEndpointRouteBuilder MapReceiptsForVendors(this IEndpointRouteBuilder vendor)
    {
        vendor.MapGet("/grants/{grantId:guid}/receipt", (Guid grantId, CallingVendor caller, IQuerySession session, VaultSigner signer, CancellationToken ct) =>
                LatestAsync(grantId, Party.Vendor(caller.Id), session, signer, ct))
            .WithName("GetGrantReceipt").WithSummary("The consent receipt for the latest change of one of your grants").ProducesProblem(StatusCodes.Status404NotFound);
        vendor.MapGet("/grants/{grantId:guid}/receipts", (Guid grantId, int? limit, int? offset, CallingVendor caller, IQuerySession session, VaultSigner signer,
                    HttpRequest request, CancellationToken ct) =>
                AllAsync(grantId, Paging.Of(limit, offset), Party.Vendor(caller.Id), session, signer, request, ct))
            .WithName("ListGrantReceipts").WithSummary("Every consent receipt of one of your grants, oldest first")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        return vendor;
    }

    private static async Task<Results<Ok<ConsentReceiptView>, ProblemHttpResult>> LatestAsync(
        Guid grantId, Party party, IQuerySession session, VaultSigner signer, CancellationToken cancellationToken) =>
        await ForGrantAsync(grantId, party, session, signer, cancellationToken) is { Count: > 0 } receipts
            ? TypedResults.Ok(receipts[^1])
            : NotFound();

    private static async Task<Results<Ok<Page<ConsentReceiptView>>, ProblemHttpResult>> AllAsync(
        Guid grantId, Paging paging, Party party, IQuerySession session, VaultSigner signer, HttpRequest request, CancellationToken cancellationToken) =>
        await ForGrantAsync(grantId, party, session, signer, cancellationToken) is { } receipts
            ? TypedResults.Ok(paging.Slice(receipts, request))
            : NotFound();

    /// <summary>The receipts of one of the party's grants, or null (another party's grant answers like a missing one).</summary>
    public static async Task<IReadOnlyList<ConsentReceiptView>?> ForGrantAsync(
        Guid grantId, Party party, IQuerySession session, VaultSigner signer, CancellationToken cancellationToken)
    {
        if (await party.LoadAsync<Grant>(session, grantId, cancellationToken) is not { } grant)
        {
            return null;
        }

        var vendor = await session.LoadAsync<Vendor>(grant.VendorId, cancellationToken);
        // One receipt for both parties: it names her as the controller knows her (its pairwise id), so the vendor's copy
        // is hers, and neither carries her vault id. Once she erased her account, that link is gone and so is the name.
        var principal = AccessRequestReads.Known(await PairwiseIds.OfCustomersAsync(session, grant.VendorId, [grant.CustomerId], cancellationToken), grant.CustomerId);
        var events = await session.Events.FetchStreamAsync(grantId, token: cancellationToken);
        return Contents(events, vendor, principal, signer.Issuer)
            .Select(c => new ConsentReceiptView(c.ReceiptId, c.GrantId, c.Event, c.IssuedAt, c.Receipt, signer.Sign(JsonSerializer.Serialize(c.Receipt, ConsentReceipt.SigningOptions), JwsType)))
            .ToList();
    }

    /// <summary>
    /// The receipts of a grant, from its events, unsigned (a document that holds them is signed as a whole).
    /// <paramref name="principal"/> is the vendor's pairwise id for her, absent once she erased her account.
    /// </summary>
    public static IReadOnlyList<ReceiptContent> Contents(IEnumerable<IEvent> events, Vendor? vendor, Guid? principal, string issuer)
    {
        var receipts = new List<ReceiptContent>();
        var stream = EventStream.Of<Grant>();
        object? state = null;
        foreach (var e in events)
        {
            state = stream.Evolve(state, e.Data);
            if (EventName(e.Data) is { } name)
            {
                receipts.Add(Content((Grant)state, vendor, principal, e, name, issuer));
            }
        }

        return receipts;
    }

    private static ReceiptContent Content(Grant grant, Vendor? vendor, Guid? principal, IEvent e, string name, string issuer)
    {
        // Deterministic: the receipt for an event is always the same document, with the same id.
        var receiptId = new Guid(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"receipt/{grant.Id:N}/{e.Version}")).AsSpan(0, 16), bigEndian: true);
        var controller = new ReceiptController(vendor?.DisplayName ?? "(unknown vendor)", vendor?.ContactEmail, vendor?.ContactEmail, vendor?.Website);
        var receipt = new ConsentReceipt(
            Iss: issuer,
            Sub: principal?.ToString(),
            Jti: receiptId.ToString(),
            Iat: e.Timestamp.ToUnixTimeSeconds(),
            Version: "KI-CR-v1.1.0",
            Jurisdiction: "EU",
            ConsentTimestamp: e.Timestamp.ToUnixTimeSeconds(),
            CollectionMethod: grant.RequestId is null
                ? "Granted by the customer on her own initiative in her CustomerVault"
                : "Approved by the customer in her CustomerVault, answering the vendor's request",
            ConsentReceiptID: receiptId.ToString(),
            Language: "en",
            PiiPrincipalId: principal?.ToString(),
            PiiControllers: [controller],
            PolicyUrl: vendor?.Website,
            Services:
            [
                new ReceiptService(vendor?.DisplayName ?? "(unknown vendor)",
                [
                    new ReceiptPurpose(grant.Description, [grant.Purpose], "EXPLICIT", grant.Scopes, PrimaryPurpose: true,
                        Termination: grant.ExpiresAt.ToString("O"), ThirdPartyDisclosure: false),
                ]),
            ],
            Sensitive: false,
            SpiCat: [],
            Event: name,
            EventVersion: e.Version,
            GrantId: grant.Id.ToString(),
            RequestId: grant.RequestId?.ToString(),
            Status: grant.Status == GrantStatus.Active && grant.PausedAt is not null ? "paused" : GrantDecider.StatusName(grant.Status),
            Scopes: grant.Scopes,
            ExpiresAt: grant.ExpiresAt.ToString("O"),
            ContactTerms: grant.ContactTerms,
            RequestText: grant.Description,
            // Both parties hold the receipt, so it never carries her own words for revoking.
            EndReason: grant.Status == GrantStatus.Revoked ? null : grant.EndReason);
        return new ReceiptContent(receiptId, grant.Id, name, e.Timestamp, receipt);
    }

    private static string? EventName(object data) => data switch
    {
        AccessGranted => "granted",
        GrantExtended => "extended",
        GrantNarrowed => "narrowed",
        GrantConfirmed { Resumed: true } => "resumed",
        GrantConfirmed => "confirmed",
        GrantPaused => "paused",
        GrantRevoked => "revoked",
        GrantRelinquished => "relinquished",
        GrantExpired => "expired",
        _ => null,
    };

    private static ProblemHttpResult NotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such grant.");
}
