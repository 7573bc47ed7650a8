using CustomerVault.Profiles;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CustomerVault.Identity.Pages;

public sealed class SignUpModel(CustomerRegistration registration, SignInManager<VaultUser> signIns) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string Email { get; set; } = "";

    [BindProperty]
    public string Password { get; set; } = "";

    [BindProperty]
    public string ConfirmPassword { get; set; } = "";

    public List<string> Errors { get; } = [];

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var email = Email.Trim();
        if (!Catalog.IsEmail(email))
        {
            Errors.Add("Enter an e-mail address such as ada@example.org.");
        }

        if (Password != ConfirmPassword)
        {
            Errors.Add("The two passwords are not the same.");
        }

        if (Errors.Count > 0)
        {
            return Page();
        }

        var (user, errors) = await registration.RegisterAsync(new RegisterCustomer(email, Password), cancellationToken);
        if (user is null)
        {
            // Identity reports a taken e-mail twice (as user name and as e-mail); say it once.
            Errors.AddRange(errors.Where(e => e.Code != nameof(IdentityErrorDescriber.DuplicateUserName)).Select(e => e.Description));
            return Page();
        }

        await signIns.SignInAsync(user, isPersistent: false);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/portal");
    }
}
