using System.ComponentModel.DataAnnotations;
using CustomerVault.Profiles;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CustomerVault.Identity.Pages;

public sealed class SignUpModel(CustomerRegistration registration, SignInManager<VaultUser> signIns, SignInThrottle throttle) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    [DisplayFormat(ConvertEmptyStringToNull = false)]
    public string Email { get; set; } = "";

    [BindProperty]
    [DisplayFormat(ConvertEmptyStringToNull = false)]
    public string Password { get; set; } = "";

    [BindProperty]
    [DisplayFormat(ConvertEmptyStringToNull = false)]
    public string ConfirmPassword { get; set; } = "";

    public List<string> Errors { get; } = [];

    public void OnGet()
    {
    }

    /// <summary>
    /// The one answer to a sign-up for an address that has an account. It does not say so: the form must not tell
    /// anyone who has an account here. Refusals count against the address (enumeration is slowed like guessing).
    /// </summary>
    public const string NotCreated = "No account was created with these details. If you already have one, sign in instead.";

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var address = HttpContext.Connection.RemoteIpAddress;
        if (throttle.Wait(address) is { } wait)
        {
            Errors.Add(SignInModel.TooManyAttempts(Response, wait));
            return Page();
        }

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
            // The password's faults are the customer's to fix; a taken address gets the answer that names no one.
            var taken = errors.Any(e => e.Code is nameof(IdentityErrorDescriber.DuplicateUserName) or nameof(IdentityErrorDescriber.DuplicateEmail));
            Errors.AddRange(errors.Where(e => e.Code is not (nameof(IdentityErrorDescriber.DuplicateUserName) or nameof(IdentityErrorDescriber.DuplicateEmail)))
                .Select(e => e.Description));
            if (taken)
            {
                throttle.Refused(address);
                Errors.Add(NotCreated);
            }

            return Page();
        }

        await signIns.SignInAsync(user, isPersistent: false);
        return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/portal");
    }
}
