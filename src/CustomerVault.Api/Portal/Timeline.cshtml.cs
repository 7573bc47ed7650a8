using CustomerVault.AccessLog;
using CustomerVault.Audit;
using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace CustomerVault.Portal;

/// <summary>One company's use of her data at a glance: a chart of its reads, messages and grant changes by day, the figures, and the days in words.</summary>
public sealed class TimelineModel(IQuerySession session, NpgsqlDataSource dataSource, StoredEvents stored, CustomerKeyring keyring, TimeProvider clock)
    : PortalPage
{
    /// <summary>The windows offered: a month, a quarter (the default, as the API's), a year.</summary>
    public static readonly IReadOnlyList<(int Days, string Label)> Windows = [(30, "30 days"), (GetRelationshipTimeline.DefaultDays, "90 days"), (GetRelationshipTimeline.MaxDays, "A year")];

    [BindProperty(SupportsGet = true)]
    public Guid VendorId { get; set; }

    [BindProperty(SupportsGet = true)]
    public int? Days { get; set; }

    public RelationshipTimeline Timeline { get; private set; } = null!;

    public TimelineChart Chart { get; private set; } = null!;

    public int WindowDays { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        // A window typed into the address bar that the page does not offer falls back to the default rather than failing.
        WindowDays = Windows.Any(w => w.Days == Days) ? Days!.Value : GetRelationshipTimeline.DefaultDays;
        var window = GetRelationshipTimeline.Window(WindowDays, clock.Now());
        if (await GetRelationshipTimeline.ForCustomerAsync(session, dataSource, stored, keyring, CustomerId, VendorId, window,
                ConsentOptions.DeletionPeriodOf(HttpContext), HttpContext.RequestAborted)
            is not { } timeline)
        {
            return NotFound();
        }

        Timeline = timeline;
        Chart = TimelineChart.Of(timeline);
        return Page();
    }
}
