using System.Text.Json;
using CustomerVault.Audit;
using CustomerVault.Consents;
using Marten;
using Microsoft.AspNetCore.Mvc;

namespace CustomerVault.Portal;

/// <summary>The latest consent receipt of one of her grants, as the API serves it: the receipt and its JWS.</summary>
public sealed class GrantReceiptModel(IQuerySession session, VaultSigner signer) : PortalPage
{
    public async Task<IActionResult> OnGetAsync(Guid grantId)
    {
        var receipts = await Receipts.ForGrantAsync(grantId, Party.Customer(CustomerId), session, signer, HttpContext.RequestAborted);
        if (receipts is not { Count: > 0 })
        {
            return NotFound();
        }

        var latest = receipts[^1];
        return File(JsonSerializer.SerializeToUtf8Bytes(latest, JsonSerializerOptions.Web), "application/json", $"consent-receipt-{latest.ReceiptId}.json");
    }
}
