using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace CustomerVault.Identity.Pages;

public sealed class SignInModel(CustomerSignIn signIn, TrustedDevices devices) : PageModel
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
        // An empty field binds as null; it is a wrong e-mail or password like any other.
        var outcome = await signIn.SignInAsync(new SignInCustomer(Email ?? "", Password ?? "", HttpContext.Connection.RemoteIpAddress, devices.AccountOf(Request)));
        switch (outcome)
        {
            case SignInOutcome.SignedIn signedIn:
                devices.Remember(Response, signedIn.Account);
                return LocalRedirect(Url.IsLocalUrl(ReturnUrl) ? ReturnUrl : "/portal");
            case SignInOutcome.MustWait wait:
                Error = TooManyAttempts(Response, wait.RetryAfter);
                return Page();
            default:
                Error = "The e-mail address or the password is not right.";
                return Page();
        }
    }

    /// <summary>429 with Retry-After, and a message that says when, not why (it is the same for every account).</summary>
    internal static string TooManyAttempts(HttpResponse response, TimeSpan retryAfter)
    {
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var minutes = (seconds + 59) / 60;
        return $"Too many attempts from here. Try again in {minutes} minute{(minutes == 1 ? "" : "s")}.";
    }
}
