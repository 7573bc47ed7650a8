using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CustomerVault.Identity.Pages;

/// <summary>
/// Sign out: the portal's own button, and the question asked when an app's end-session request did not prove it speaks
/// for her. Answering posts the app's request back to /connect/endsession from this page, so it returns to the app.
/// </summary>
public sealed class SignOutModel(SignInManager<VaultUser> signIns) : PageModel
{
    /// <summary>What an end-session request may carry (OpenID Connect RP-Initiated Logout 1.0, section 2).</summary>
    public static readonly IReadOnlySet<string> EndSessionParameters = new HashSet<string>(StringComparer.Ordinal)
    {
        Parameters.IdTokenHint, Parameters.ClientId, Parameters.PostLogoutRedirectUri, Parameters.State, Parameters.UiLocales, "logout_hint",
    };

    /// <summary>The app's end-session request, when it sent her here.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> EndSession { get; private set; } = [];

    public void OnGet() =>
        EndSession = Request.Query.Where(p => EndSessionParameters.Contains(p.Key)).Select(p => KeyValuePair.Create(p.Key, p.Value.ToString())).ToList();

    public async Task<IActionResult> OnPostAsync()
    {
        await signIns.SignOutAsync();
        return LocalRedirect("/");
    }
}
