using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using CustomerVault.Insights;
using CustomerVault.Portal;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace CustomerVault.VendorConsent;

/// <summary>
/// The consent page of a vendor's web flow: after she signed in (or up), the customer sees what the vendor asks (who,
/// why, for how long, what, how it may contact her), unticks what she will not share, may choose an earlier end, and
/// allows or denies. Her answer is recorded like an answer to a request made through the API, and she goes back to the
/// vendor: with a code when she allowed, with access_denied when she did not. The page is an authorization endpoint of
/// its own, so the pushed request (its request_uri) is checked again on every view and post.
/// </summary>
public sealed class ConsentModel(
    IOpenIddictApplicationManager applications, IDocumentSession session, AnswerAuthorizationRequest answers, IOptions<ConsentOptions> consents,
    VendorInsightsQuery insights, TimeProvider clock) : PortalPage
{
    /// <summary>How the asking company treats its customers, in aggregate, and how long it keeps data: before she answers.</summary>
    public VendorTrackRecord TrackRecord { get; private set; } = null!;

    public Vendor Vendor { get; private set; } = null!;

    public AccessTerms Terms { get; private set; } = null!;

    /// <summary>The grant the request would extend, when it names one of hers.</summary>
    public Grant? Extending { get; private set; }

    public string? ClientId { get; private set; }

    public string? RequestUri { get; private set; }

    [BindProperty]
    public List<string> Scopes { get; set; } = [];

    [BindProperty]
    public DateOnly? ExpiresOn { get; set; }

    [BindProperty]
    public string? Reason { get; set; }

    public async Task<IActionResult> OnGetAsync() => await LoadAsync() ?? Page();

    public Task<IActionResult> OnPostApproveAsync() => AnswerAsync(new ConsentAnswer(true, Scopes, EndOf(ExpiresOn), null));

    public Task<IActionResult> OnPostDenyAsync() => AnswerAsync(new ConsentAnswer(false, null, null, string.IsNullOrWhiteSpace(Reason) ? null : Reason.Trim()));

    private async Task<IActionResult> AnswerAsync(ConsentAnswer answer)
    {
        if (await LoadAsync() is { } refused)
        {
            return refused;
        }

        var now = clock.Now();
        var cancellationToken = HttpContext.RequestAborted;
        // Before the answer is recorded: its notification to the vendor names her by this id.
        var customerAtVendor = await PairwiseIds.EnsureAsync(session, Vendor.Id, CustomerId, Via.Authorization, now, cancellationToken);
        AccessRequest? answered = null;
        if (!await TryAsync(async () => answered = await answers.HandleAsync(
                Vendor, CustomerId, Key(RequestUri!), Terms, answer, consents.Value.RequestLifetime, now, cancellationToken)))
        {
            return Page();
        }

        if (answered is not { Status: AccessRequestStatus.Approved, GrantId: { } grantId })
        {
            return Refuse(Errors.AccessDenied, "The customer did not allow the request.");
        }

        var grant = (await session.LoadAsync<Grant>(grantId, cancellationToken))!;
        var request = HttpContext.GetOpenIddictServerRequest()!;
        var identity = ConsentGrant.Identity(customerAtVendor, CustomerId, Vendor.Id, AuthorizationDetails.Granted(answered, grant), grantId, request.GetScopes());
        return SignIn(new ClaimsPrincipal(identity), OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    // What the page shows: the pushed request as OpenIddict restored it, and the vendor it comes from. Null when it can be shown.
    private async Task<IActionResult?> LoadAsync()
    {
        var cancellationToken = HttpContext.RequestAborted;
        var request = HttpContext.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("The consent page was reached without an authorization request.");
        ClientId = request.ClientId;
        RequestUri = request.RequestUri;
        var application = await applications.FindByClientIdAsync(ClientId!, cancellationToken);
        var vendorId = application is null ? null : await applications.VendorIdOfAsync(application, cancellationToken);
        if (vendorId is null || RequestUri is null || await session.LoadAsync<Vendor>(vendorId.Value, cancellationToken) is not { Status: VendorStatus.Active } vendor)
        {
            return Refuse(Errors.UnauthorizedClient, "Only an active vendor's pushed request is answered on this page.");
        }

        if (AuthorizationDetails.Parse((string?)request.GetParameter(AuthorizationDetails.Parameter), out var malformed) is not { } terms)
        {
            return Refuse(AuthorizationDetails.InvalidError, malformed!);
        }

        Vendor = vendor;
        Terms = terms;
        TrackRecord = await VendorTrackRecord.ForAsync(insights, vendor, terms.Purpose!, clock.Now(), cancellationToken);
        if (terms.ExtendsGrantId is { } grantId)
        {
            Extending = await Party.Customer(CustomerId).LoadAsync<Grant>(session, grantId, cancellationToken);
        }

        return null;
    }

    // Back to the vendor with an OAuth error (its redirect URI, its state).
    private ForbidResult Refuse(string error, string description) => Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);

    // One answer per pushed request: a double submit finds the first.
    private static string Key(string requestUri) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(requestUri)));
}
