using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CustomerVault.Portal;

/// <summary>Requests waiting for her answer: approve all or some of the scopes (and an earlier end), or deny.</summary>
public sealed class RequestsModel(IDocumentSession session, IOptions<ConsentOptions> consents, TimeProvider clock) : PortalPage
{
    public IReadOnlyList<AccessRequestView> Shown { get; private set; } = [];

    /// <summary>Each shown request's version, sent back with the decision so a stale page cannot overwrite a newer state.</summary>
    public IReadOnlyDictionary<Guid, long> Versions { get; private set; } = new Dictionary<Guid, long>();

    /// <summary>Set when the page shows one request (its own URL, or a decision that needs correcting).</summary>
    public bool Single { get; private set; }

    [BindProperty]
    public long Version { get; set; }

    [BindProperty]
    public List<string> Scopes { get; set; } = [];

    [BindProperty]
    public DateOnly? ExpiresOn { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid? requestId) => await ShowAsync(requestId) ? Page() : NotFound();

    public async Task<IActionResult> OnPostApproveAsync(Guid requestId)
    {
        AccessRequest? request = null;
        if (await TryAsync(async () => request = await ApproveRequestHandler.HandleAsync(
                session, consents.Value, CustomerId, requestId, Version, new ApproveBody(Scopes, EndOf(ExpiresOn)), clock.Now(), HttpContext.RequestAborted)))
        {
            if (request is null)
            {
                return NotFound();
            }

            var vendor = (await session.VendorsAsync([request.VendorId], HttpContext.RequestAborted)).GetValueOrDefault(request.VendorId);
            Notice = $"You approved {vendor?.DisplayName ?? "the vendor"}'s request: {PortalText.Scopes(request.ApprovedScopes ?? [])}, until {PortalText.Date(await GrantEndAsync(request))}.";
            return RedirectToPage("/Portal/Relationships");
        }

        return await ShowAsync(requestId) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostDenyAsync(Guid requestId)
    {
        AccessRequest? request = null;
        if (await TryAsync(async () => request = await DenyRequestHandler.HandleAsync(
                session, CustomerId, requestId, Version, string.IsNullOrWhiteSpace(Reason) ? null : Reason.Trim(), clock.Now(), HttpContext.RequestAborted)))
        {
            if (request is null)
            {
                return NotFound();
            }

            Notice = "You denied the request. The vendor is told, without your reason if you gave none.";
            return RedirectToPage();
        }

        return await ShowAsync(requestId) ? Page() : NotFound();
    }

    private async Task<DateTimeOffset?> GrantEndAsync(AccessRequest request) =>
        request.GrantId is { } grantId ? (await session.LoadAsync<Grant>(grantId, HttpContext.RequestAborted))?.ExpiresAt : null;

    private async Task<bool> ShowAsync(Guid? requestId)
    {
        var now = clock.Now();
        if (requestId is { } id)
        {
            if (await Party.Customer(CustomerId).LoadAsync<AccessRequest>(session, id, HttpContext.RequestAborted) is not { } request)
            {
                return false;
            }

            Shown = await session.ViewsAsync(Party.Customer(CustomerId), [request], now, HttpContext.RequestAborted);
            Versions = new Dictionary<Guid, long> { [request.Id] = request.Version };
            Single = true;
            return true;
        }

        var pending = await Party.Customer(CustomerId).Filter(session.Query<AccessRequest>())
            .WithStatus(AccessRequestStatus.Pending, now).OrderByDescending(r => r.RequestedAt).ToListAsync(HttpContext.RequestAborted);
        Shown = await session.ViewsAsync(Party.Customer(CustomerId), pending, now, HttpContext.RequestAborted);
        Versions = pending.ToDictionary(r => r.Id, r => r.Version);
        return true;
    }
}
