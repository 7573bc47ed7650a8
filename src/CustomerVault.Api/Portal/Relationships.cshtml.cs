using CustomerVault.AccessLog;
using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CustomerVault.Portal;

/// <summary>
/// One card per vendor: what it may see, why, until when, how it used that lately; connecting a company with a code;
/// and granting on her own initiative.
/// </summary>
public sealed class RelationshipsModel(
    IDocumentSession session, NpgsqlDataSource dataSource, IOptions<ConsentOptions> consents, IOptions<ConnectionOptions> connections, TimeProvider clock)
    : PortalPage
{
    public IReadOnlyList<Relationship> Relationships { get; private set; } = [];

    /// <summary>The active grants behind each card, by vendor.</summary>
    public ILookup<Guid, GrantView> ActiveGrants { get; private set; } = Array.Empty<GrantView>().ToLookup(g => g.Vendor.Id);

    /// <summary>The vendors she can grant access to on her own initiative.</summary>
    public IReadOnlyList<Vendor> Vendors { get; private set; } = [];

    [BindProperty]
    public NewGrant Grant { get; set; } = new();

    /// <summary>How long a grant of each purpose may run, as the form's hint says it.</summary>
    public string LongestGrants => string.Join("; ", Purposes.All.GroupBy(p => consents.Value.Durations().Describe(p))
        .Select(g => $"{string.Join(", ", g.Select(PortalText.Purpose))}: {PortalText.Duration(g.Key)}"));

    /// <summary>The company a new connection code is for; any company when empty.</summary>
    [BindProperty]
    public Guid? CodeVendorId { get; set; }

    /// <summary>The code just created, shown once.</summary>
    public ConnectionCodeView? Code { get; private set; }

    public async Task OnGetAsync()
    {
        // A year is a sensible default end: long enough to be useful, short enough to be reconsidered.
        Grant.ExpiresOn = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddYears(1);
        await LoadAsync();
    }

    public async Task<IActionResult> OnPostGrantAsync()
    {
        Grant? created = null;
        var body = new GrantBody(Grant.VendorId, Grant.Scopes, Grant.Purpose, string.IsNullOrWhiteSpace(Grant.Description) ? null : Grant.Description.Trim(),
            LastDay(Grant.ExpiresOn, Grant.Purpose), Grant.ContactChannels.Count == 0 ? null : new ContactTerms(Grant.ContactChannels, Grant.MaxContactsPerWeek ?? 0));
        if (await TryAsync(async () => created = await GrantAccessHandler.HandleAsync(session, consents.Value, CustomerId, body, clock.Now(), HttpContext.RequestAborted), "grant."))
        {
            if (created is null)
            {
                ModelState.AddModelError("grant.vendorId", "Choose a company from the list.");
            }
            else
            {
                Notice = $"You granted access to {PortalText.Scopes(created.Scopes)} until {PortalText.Date(created.ExpiresAt)}.";
                return RedirectToPage();
            }
        }

        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostCodeAsync()
    {
        CodeCreation? created = null;
        if (await TryAsync(async () => created = await CreateConnectionCodeHandler.HandleAsync(
                session, dataSource, connections.Value, CustomerId, CodeVendorId, clock.Now(), HttpContext.RequestAborted)))
        {
            switch (created)
            {
                case CodeCreation.Created code:
                    Code = code.Code;
                    break;
                case CodeCreation.TooMany tooMany:
                    ModelState.AddModelError("code", $"You already hold {connections.Value.MaxLiveCodesPerCustomer} unused codes; "
                                                     + $"the first expires at {PortalText.DateTime(tooMany.RetryAt)}. Use one of them, or wait.");
                    break;
                default:
                    ModelState.AddModelError("code", "Choose a company from the list, or none.");
                    break;
            }
        }

        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var now = clock.Now();
        Relationships = await AccessLog.Relationships.ForCustomerAsync(session, dataSource, CustomerId, now, ConsentOptions.DeletionPeriodOf(HttpContext),
            HttpContext.RequestAborted);
        var active = await Party.Customer(CustomerId).Filter(session.Query<Consents.Grant>())
            .WithStatus(GrantStatus.Active, now).OrderBy(g => g.GrantedAt).ToListAsync(HttpContext.RequestAborted);
        ActiveGrants = (await session.ViewsAsync(Party.Customer(CustomerId), active, now, ConsentOptions.DeletionPeriodOf(HttpContext), HttpContext.RequestAborted)).ToLookup(g => g.Vendor.Id);
        Vendors = (await session.Query<Vendor>().Where(v => v.Status == VendorStatus.Active).ToListAsync(HttpContext.RequestAborted))
            .OrderBy(v => v.DisplayName, StringComparer.OrdinalIgnoreCase).ToList();
    }

    // A day is chosen, and a grant ends at an instant: on the last day its purpose allows, it ends when that allows,
    // not at the day's end, so that "until" that day is accepted as the form offers it.
    private DateTimeOffset? LastDay(DateOnly? day, string? purpose)
    {
        var end = EndOf(day);
        if (end is null || !Purposes.IsKnown(purpose))
        {
            return end;
        }

        var latest = consents.Value.Durations().LatestEnd(purpose!, clock.Now());
        return DateOnly.FromDateTime(latest.UtcDateTime) == day && end > latest ? latest : end;
    }

    public sealed class NewGrant
    {
        public Guid VendorId { get; set; }

        public List<string> Scopes { get; set; } = [];

        public string? Purpose { get; set; }

        public string? Description { get; set; }

        public DateOnly? ExpiresOn { get; set; }

        public List<string> ContactChannels { get; set; } = [];

        public int? MaxContactsPerWeek { get; set; }
    }
}
