using CustomerVault.Identity;
using CustomerVault.Infrastructure.Http;
using CustomerVault.MyData;
using CustomerVault.Profiles;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using OpenIddict.Abstractions;

namespace CustomerVault.Portal;

/// <summary>
/// A page of the customer portal: signed in with the vault's session cookie, acting as the customer herself. Its
/// actions run the same commands as the REST API; this base only turns their refusals into messages on the page.
/// </summary>
[Authorize]
public abstract class PortalPage : PageModel
{
    /// <summary>The signed-in customer.</summary>
    public Guid CustomerId { get; private set; }

    /// <summary>What the last action did, shown once after its redirect.</summary>
    [TempData]
    public string? Notice { get; set; }

    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        if (!Guid.TryParse(User.FindFirst(OpenIddictConstants.Claims.Subject)?.Value, out var id))
        {
            context.Result = Forbid();
            return;
        }

        // A session that outlived an erasure (on this or another device) ends here.
        if (await HttpContext.RequestServices.GetRequiredService<ErasedCustomers>().IsErasedAsync(id, HttpContext.RequestAborted))
        {
            await HttpContext.RequestServices.GetRequiredService<SignInManager<VaultUser>>().SignOutAsync();
            context.Result = Redirect("/portal/erased");
            return;
        }

        CustomerId = id;
        await next();
    }

    /// <summary>The messages for a field (and the fields inside it), to show next to its input.</summary>
    public IEnumerable<string> ErrorsFor(string field) =>
        ModelState.Where(e => e.Key.Equals(field, StringComparison.OrdinalIgnoreCase) || e.Key.StartsWith(field + ".", StringComparison.OrdinalIgnoreCase))
            .SelectMany(e => e.Value!.Errors.Select(error => error.ErrorMessage));

    /// <summary>The messages that belong to no field.</summary>
    public IEnumerable<string> GeneralErrors => ErrorsFor("");

    /// <summary>A date field's value as she typed it when it was refused (so she can correct it), else as yyyy-mm-dd.</summary>
    public string? DateValue(string field, DateOnly? value) =>
        ModelState.TryGetValue(field, out var entry) && entry.Errors.Count > 0 && entry.AttemptedValue is { } typed
            ? typed
            : value?.ToString(IsoDateBinder.Format, System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The end of the given day (UTC), for "until and including" dates typed in a form.</summary>
    protected static DateTimeOffset? EndOf(DateOnly? day) =>
        day is { } d ? new DateTimeOffset(d.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) : null;

    /// <summary>
    /// Runs a command; on refusal puts the reason into the model state (next to the field it names, or at the top)
    /// and returns false, so the page shows the form again with what she typed.
    /// </summary>
    protected async Task<bool> TryAsync(Func<Task> command, string fieldPrefix = "")
    {
        // A date she mistyped is not "no date": nothing runs until she corrects it.
        if (IsoDateBinder.RefusedIn(HttpContext))
        {
            return false;
        }

        try
        {
            await command();
            return true;
        }
        catch (RequestValidationException e)
        {
            foreach (var (field, messages) in e.Errors)
            {
                foreach (var message in messages)
                {
                    ModelState.AddModelError(fieldPrefix + field, $"{PortalText.Field(field)} {message}");
                }
            }
        }
        catch (ConflictException e)
        {
            ModelState.AddModelError("", e.Message);
        }
        catch (JasperFx.ConcurrencyException)
        {
            ModelState.AddModelError("", "This changed since you opened the page (perhaps in another window). Here is how it stands now; please decide again.");
        }

        return false;
    }
}
