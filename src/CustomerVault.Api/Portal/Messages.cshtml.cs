using CustomerVault.AccessLog;
using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Kernel;
using CustomerVault.Messages;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace CustomerVault.Portal;

/// <summary>Her inbox: what companies sent her and what she wrote; answer, stop a company, report a message, or write first.</summary>
public sealed class MessagesModel(IDocumentSession session, NpgsqlDataSource dataSource, CustomerKeyring keyring, TimeProvider clock) : PortalPage
{
    private const int Shown = 100;

    public IReadOnlyList<InboxMessage> Messages { get; private set; } = [];

    /// <summary>The companies she may write to: those she has dealt with.</summary>
    public IReadOnlyList<Relationship> Companies { get; private set; } = [];

    [BindProperty(SupportsGet = true)]
    public Guid? VendorId { get; set; }

    [BindProperty]
    public string? Answer { get; set; }

    [BindProperty]
    public NewMessage Write { get; set; } = new();

    public async Task OnGetAsync() => await LoadAsync();

    public async Task<IActionResult> OnPostReplyAsync(Guid messageId)
    {
        InboxMessage? reply = null;
        if (await TryAsync(async () => reply = await ReplyToMessage.HandleAsync(
                session, dataSource, keyring, CustomerId, messageId, new ReplyBody(null, Answer), clock.Now(), HttpContext.RequestAborted), $"reply-{messageId:N}."))
        {
            if (reply is null)
            {
                return NotFound();
            }

            Notice = $"Your answer is on its way to {reply.Vendor.Name}.";
            return RedirectToPage(new { VendorId });
        }

        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostStopAsync(Guid vendorId)
    {
        var changed = await EndContactHandler.HandleAsync(session, CustomerId, vendorId, new EndContact(ContactEndReasons.Stopped, null, clock.Now()), HttpContext.RequestAborted);
        var vendor = VendorSummary.Of(await session.LoadAsync<Vendor>(vendorId, HttpContext.RequestAborted), vendorId);
        Notice = changed > 0 ? $"{vendor.Name} can no longer contact you. What it may see is unchanged." : $"{vendor.Name} already could not contact you.";
        return RedirectToPage(new { VendorId });
    }

    public async Task<IActionResult> OnPostReportAsync(Guid messageId)
    {
        MessageReported? reported = null;
        if (await TryAsync(async () => reported = await ReportMessage.HandleAsync(session, dataSource, CustomerId, messageId, clock.Now(), HttpContext.RequestAborted)))
        {
            if (reported is null)
            {
                return NotFound();
            }

            var vendor = VendorSummary.Of(await session.LoadAsync<Vendor>(reported.VendorId, HttpContext.RequestAborted), reported.VendorId);
            Notice = $"Reported as unwanted. {vendor.Name} can no longer contact you.";
            return RedirectToPage(new { VendorId });
        }

        await LoadAsync();
        return Page();
    }

    public async Task<IActionResult> OnPostWriteAsync()
    {
        InboxMessage? written = null;
        if (await TryAsync(async () =>
            {
                var errors = new ValidationContext(DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime));
                if (Write.Kind is null || !MessageKinds.Own.Contains(Write.Kind))
                {
                    errors.Add("kind", $"must be one of {string.Join(", ", MessageKinds.Own)}.");
                }

                var content = MessageContent.Validate(Write.Subject, Write.Body, errors);
                errors.ThrowIfInvalid();
                written = await WriteToVendor.HandleAsync(session, dataSource, keyring, CustomerId, Write.VendorId, Write.Kind!, content!, null, clock.Now(), HttpContext.RequestAborted);
            }, "write."))
        {
            if (written is null)
            {
                ModelState.AddModelError("write.vendorId", "Choose a company from the list.");
            }
            else
            {
                Notice = $"Your message is on its way to {written.Vendor.Name}.";
                return RedirectToPage(new { VendorId });
            }
        }

        await LoadAsync();
        return Page();
    }

    private async Task LoadAsync()
    {
        var stored = await MessageReads.ListAsync(dataSource, VendorId, CustomerId, Shown, 0, HttpContext.RequestAborted);
        Messages = await MessageViews.ForCustomerAsync(stored, CustomerId, session, keyring, HttpContext.RequestAborted);
        Companies = await AccessLog.Relationships.ForCustomerAsync(session, dataSource, CustomerId, clock.Now(), ConsentOptions.DeletionPeriodOf(HttpContext), HttpContext.RequestAborted);
    }

    public sealed class NewMessage
    {
        public Guid VendorId { get; set; }

        public string? Kind { get; set; }

        public string? Subject { get; set; }

        public string? Body { get; set; }
    }
}
