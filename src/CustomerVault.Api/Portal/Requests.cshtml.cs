using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using CustomerVault.Insights;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CustomerVault.Portal;

/// <summary>Requests waiting for her answer: approve all or some of the scopes (and an earlier end), or deny.</summary>
public sealed class RequestsModel(IDocumentSession session, IOptions<ConsentOptions> consents, VendorInsightsQuery insights, TimeProvider clock) : PortalPage
{
    public IReadOnlyList<AccessRequestView> Shown { get; private set; } = [];

    /// <summary>For each pending request shown: how its company treats its customers, in aggregate, and how long it keeps data.</summary>
    public IReadOnlyDictionary<Guid, VendorTrackRecord> TrackRecords { get; private set; } = new Dictionary<Guid, VendorTrackRecord>();

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
            await TrackRecordsAsync([request], now);
            return true;
        }

        var pending = await Party.Customer(CustomerId).Filter(session.Query<AccessRequest>())
            .WithStatus(AccessRequestStatus.Pending, now).OrderByDescending(r => r.RequestedAt).ToListAsync(HttpContext.RequestAborted);
        Shown = await session.ViewsAsync(Party.Customer(CustomerId), pending, now, HttpContext.RequestAborted);
        Versions = pending.ToDictionary(r => r.Id, r => r.Version);
        await TrackRecordsAsync(pending, now);
        return true;
    }

    // One scorecard per company, however many of its requests wait (pending requests are capped per customer).
    private async Task TrackRecordsAsync(IReadOnlyList<AccessRequest> requests, DateTimeOffset now)
    {
        var pending = requests.Where(r => r.StatusAt(now) == AccessRequestStatus.Pending).ToList();
        var vendors = await session.VendorsAsync(pending.Select(r => r.VendorId), HttpContext.RequestAborted);
        var byVendor = new Dictionary<(Guid, string), VendorTrackRecord>();
        var records = new Dictionary<Guid, VendorTrackRecord>();
        foreach (var request in pending)
        {
            if (vendors.GetValueOrDefault(request.VendorId) is not { } vendor)
            {
                continue;
            }

            if (!byVendor.TryGetValue((vendor.Id, request.Purpose), out var record))
            {
                byVendor[(vendor.Id, request.Purpose)] = record = await VendorTrackRecord.ForAsync(insights, vendor, request.Purpose, now, HttpContext.RequestAborted);
            }

            records[request.Id] = record;
        }

        TrackRecords = records;
    }
}
