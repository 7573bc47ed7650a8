using Microsoft.AspNetCore.Mvc;

namespace CustomerVault.Portal;

public sealed class IndexModel : PortalPage
{
    public IActionResult OnGet() => RedirectToPage("/Portal/Requests");
}
