using CustomerVault.Audit;
using CustomerVault.Identity;
using CustomerVault.MyData;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CustomerVault.Portal;

/// <summary>Her two rights over the vault itself: take everything with her (export), and make it disappear (erasure).</summary>
public sealed class MyDataModel(CustomerExport export, CustomerErasure erasure, SignInManager<VaultUser> signIns) : PortalPage
{
    public const string ConfirmationWord = "ERASE";

    [BindProperty]
    public string? Confirmation { get; set; }

    public void OnGet()
    {
    }

    /// <summary>The signed export, exactly as GET /v1/me/export serves it.</summary>
    public async Task<IActionResult> OnGetExportAsync()
    {
        await export.WriteAsync(Response, CustomerId, signed: true, HttpContext.RequestAborted);
        return new EmptyResult();
    }

    /// <summary>The same document as plain JSON, to read; the proof of its origin is the .jws.</summary>
    public async Task<IActionResult> OnGetExportJsonAsync()
    {
        await export.WriteAsync(Response, CustomerId, signed: false, HttpContext.RequestAborted);
        return new EmptyResult();
    }

    public async Task<IActionResult> OnPostEraseAsync()
    {
        if (!string.Equals(Confirmation?.Trim(), ConfirmationWord, StringComparison.Ordinal))
        {
            ModelState.AddModelError("confirmation", $"Type {ConfirmationWord} in capital letters to confirm; nothing was erased.");
            return Page();
        }

        await erasure.EraseAsync(CustomerId, HttpContext.RequestAborted);
        await signIns.SignOutAsync();
        return Redirect("/portal/erased");
    }
}
