using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CustomerVault.Identity.Pages;

public sealed class SignInModel(SignInManager<VaultUser> signIns) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string Email { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    public string? Error { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        // One message for every failure, so the form does not tell which e-mail addresses have accounts.
        var result = await signIns.PasswordSignInAsync(Email.Trim(), Password, isPersistent: false, lockoutOnFailure: true);
        if (result.Succeeded)
        {
            return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/portal");
        }

        Error = result.IsLockedOut
            ? "Too many failed attempts. This account is locked for a while; try again later."
            : "The e-mail address or the password is not right.";
        return Page();
    }
}
