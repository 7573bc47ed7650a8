using CustomerVault.AccessLog;
using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace CustomerVault.Portal;

/// <summary>Every read of her data and every contact, newest first, filtered by company and time.</summary>
public sealed class AccessLogModel(IQuerySession session, NpgsqlDataSource dataSource, TimeProvider clock) : PortalPage
{
    public const int PageSize = 50;

    [BindProperty(SupportsGet = true)]
    public Guid? Vendor { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateOnly? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateOnly? To { get; set; }

    [BindProperty(SupportsGet = true)]
    public int Offset { get; set; }

    public IReadOnlyList<AccessLogItem> Items { get; private set; } = [];

    public bool HasMore { get; private set; }

    /// <summary>The companies she has dealt with, for the filter.</summary>
    public IReadOnlyList<VendorSummary> Vendors { get; private set; } = [];

    public async Task OnGetAsync()
    {
        Vendors = (await Relationships.ForCustomerAsync(session, dataSource, CustomerId, clock.Now(), ConsentOptions.DeletionPeriodOf(HttpContext), HttpContext.RequestAborted)).Select(r => r.Vendor).ToList();
        if (From > To)
        {
            ModelState.AddModelError("to", "The end date must not be before the start date.");
        }

        // A refused date lists nothing: a whole, unfiltered list under her filter would read as its answer.
        if (!ModelState.IsValid)
        {
            return;
        }

        Offset = Math.Max(0, Offset);
        var start = From is { } day ? new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : (DateTimeOffset?)null;
        var items = await CustomerAccessLog.QueryAsync(session, dataSource, CustomerId, Vendor, start, EndOf(To), PageSize + 1, Offset, HttpContext.RequestAborted);
        HasMore = items.Count > PageSize;
        Items = items.Take(PageSize).ToList();
    }

    public string OlderUrl => $"/portal/access-log?vendor={Vendor}&from={From:yyyy-MM-dd}&to={To:yyyy-MM-dd}&offset={Offset + PageSize}";
}
