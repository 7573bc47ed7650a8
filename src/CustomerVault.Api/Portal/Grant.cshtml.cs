using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using Marten;
using Microsoft.AspNetCore.Mvc;

namespace CustomerVault.Portal;

/// <summary>One of her grants: narrow it or revoke it, each after one confirmation on this page.</summary>
public sealed class GrantModel(IDocumentSession session, TimeProvider clock) : PortalPage
{
    public GrantView View { get; private set; } = null!;

    [BindProperty]
    public long Version { get; set; }

    [BindProperty]
    public List<string> RemoveScopes { get; set; } = [];

    [BindProperty]
    public string? Reason { get; set; }

    [BindProperty]
    public string? ReasonCode { get; set; }

    /// <summary>narrow or revoke: which confirmation the page leads with.</summary>
    [BindProperty(SupportsGet = true, Name = "action")]
    public string? Intent { get; set; }

    public async Task<IActionResult> OnGetAsync(Guid grantId) => await LoadAsync(grantId) ? Page() : NotFound();

    public async Task<IActionResult> OnPostNarrowAsync(Guid grantId)
    {
        Grant? grant = null;
        if (await TryAsync(async () => grant = await NarrowGrantHandler.HandleAsync(session, CustomerId, grantId, Version, RemoveScopes, clock.Now(), HttpContext.RequestAborted)))
        {
            if (grant is null)
            {
                return NotFound();
            }

            Notice = $"Narrowed: the company may now see only {PortalText.Scopes(grant.Scopes)}.";
            return RedirectToPage("/Portal/Relationships");
        }

        Intent = "narrow";
        return await LoadAsync(grantId) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostRevokeAsync(Guid grantId)
    {
        Grant? grant = null;
        if (await TryAsync(async () => grant = await RevokeGrantHandler.HandleAsync(
                session, CustomerId, grantId, Version, string.IsNullOrWhiteSpace(Reason) ? null : Reason.Trim(), clock.Now(), HttpContext.RequestAborted,
                string.IsNullOrEmpty(ReasonCode) ? null : ReasonCode)))
        {
            if (grant is null)
            {
                return NotFound();
            }

            Notice = "Revoked: the company can no longer read your data under this grant, from this moment on.";
            return RedirectToPage("/Portal/Relationships");
        }

        Intent = "revoke";
        return await LoadAsync(grantId) ? Page() : NotFound();
    }

    /// <summary>One click: she keeps sharing; a paused grant resumes.</summary>
    public async Task<IActionResult> OnPostConfirmAsync(Guid grantId)
    {
        Grant? grant = null;
        if (await TryAsync(async () => grant = await ConfirmGrantHandler.HandleAsync(session, CustomerId, grantId, Version, clock.Now(), HttpContext.RequestAborted)))
        {
            if (grant is null)
            {
                return NotFound();
            }

            Notice = "Confirmed: you keep sharing under this grant" + (grant.ExpiresAt > clock.Now() ? $", until {PortalText.Date(grant.ExpiresAt)}." : ".");
            return RedirectToPage("/Portal/Grant", new { grantId });
        }

        return await LoadAsync(grantId) ? Page() : NotFound();
    }

    private async Task<bool> LoadAsync(Guid grantId)
    {
        if (await Party.Customer(CustomerId).LoadAsync<Grant>(session, grantId, HttpContext.RequestAborted) is not { } grant)
        {
            return false;
        }

        View = (await session.ViewsAsync(Party.Customer(CustomerId), [grant], clock.Now(), ConsentOptions.DeletionPeriodOf(HttpContext), HttpContext.RequestAborted))[0];
        Version = grant.Version;
        return true;
    }
}
