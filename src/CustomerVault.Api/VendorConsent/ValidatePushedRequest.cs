using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using CustomerVault.Vendors;
using Marten;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace CustomerVault.VendorConsent;

/// <summary>
/// Checks a vendor's pushed authorization request (RFC 9126) before the customer sees anything of it: it must carry
/// authorization details that <c>POST /v1/access-requests</c> would accept from this vendor (its scope ceiling, the
/// purposes, the duration, contact terms, a grant to extend), or the vendor hears why at once, with
/// <c>invalid_authorization_details</c> (RFC 9396). Other clients may not ask for customers' data this way.
/// </summary>
public sealed class ValidatePushedRequest(
    IOpenIddictApplicationManager applications, IQuerySession session, IOptions<ConsentOptions> consents, TimeProvider clock)
    : IOpenIddictServerHandler<ValidatePushedAuthorizationRequestContext>
{
    // Last: the client is authenticated and the standard parameters are checked by then.
    public static OpenIddictServerHandlerDescriptor Descriptor { get; } = OpenIddictServerHandlerDescriptor.CreateBuilder<ValidatePushedAuthorizationRequestContext>()
        .UseScopedHandler<ValidatePushedRequest>()
        .SetOrder(int.MaxValue - 100_000)
        .SetType(OpenIddictServerHandlerType.Custom)
        .Build();

    public async ValueTask HandleAsync(ValidatePushedAuthorizationRequestContext context)
    {
        var parameter = (string?)context.Request.GetParameter(AuthorizationDetails.Parameter);
        var application = await applications.FindByClientIdAsync(context.ClientId!, context.CancellationToken);
        var vendorId = application is null ? null : await applications.VendorIdOfAsync(application, context.CancellationToken);
        if (vendorId is null)
        {
            if (parameter is not null)
            {
                context.Reject(AuthorizationDetails.InvalidError, "Only vendors ask for customers' data; this client is not one.");
            }

            return;
        }

        if (parameter is null)
        {
            context.Reject(Errors.InvalidRequest, $"A vendor's request carries {AuthorizationDetails.Parameter} of type {AuthorizationDetails.Type}: what it asks the customer for.");
            return;
        }

        var vendor = await session.LoadAsync<Vendor>(vendorId.Value, context.CancellationToken);
        if (vendor?.Status is not VendorStatus.Active)
        {
            context.Reject(Errors.UnauthorizedClient, "This vendor is suspended or no longer registered.");
            return;
        }

        if (AuthorizationDetails.Parse(parameter, out var malformed) is not { } terms)
        {
            context.Reject(AuthorizationDetails.InvalidError, malformed);
            return;
        }

        var extending = terms.ExtendsGrantId is { } grantId ? await session.LoadAsync<Grant>(grantId, context.CancellationToken) : null;
        var errors = AccessRequestDecider.ValidateTerms(new RequestAccess(
            Guid.Empty, vendor.Id, vendor.Scopes, Guid.Empty, terms.Scopes, terms.Purpose, terms.Description, terms.Duration, terms.ContactTerms,
            consents.Value.RequestLifetime, clock.Now(), consents.Value.Durations(), terms.ExtendsGrantId, extending));
        if (errors.HasErrors)
        {
            context.Reject(AuthorizationDetails.InvalidError, AuthorizationDetails.Describe(errors.ToDictionary()));
        }
    }
}
