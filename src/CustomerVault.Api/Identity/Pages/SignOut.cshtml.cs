using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CustomerVault.Identity.Pages;

public sealed class SignOutModel(SignInManager<VaultUser> signIns) : PageModel
{
    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync()
    {
        await signIns.SignOutAsync();
        return LocalRedirect("/");
    }
}
