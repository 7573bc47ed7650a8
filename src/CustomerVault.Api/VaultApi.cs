using CustomerVault.AccessLog;
using CustomerVault.Audit;
using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Identity;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Insights;
using CustomerVault.Infrastructure.OpenApi;
using CustomerVault.Infrastructure.RateLimiting;
using CustomerVault.Messages;
using CustomerVault.MyData;
using CustomerVault.Profiles;
using CustomerVault.VendorAccess;
using CustomerVault.Vendors;
using CustomerVault.Webhooks;

namespace CustomerVault;

/// <summary>The map of the REST API: every endpoint, grouped by who calls it and the policy that admits them.</summary>
public static class VaultApi
{
    public static WebApplication MapVaultApi(this WebApplication app)
    {
        // Every call counts against its caller's rate limit (per client, per customer, or per address).
        var v1 = app.MapGroup("/v1").RequireRateLimiting(RateLimits.Callers);
        v1.MapGetCatalog().WithTags("Catalog");

        // Customers (tokens from a customer app, code + PKCE).
        var profile = v1.MapGroup("/me").WithTags("Customers: your profile");
        profile.MapGetProfile().ProducesETag();
        profile.MapPatchProfile();

        var consents = v1.MapGroup("/me").WithTags("Customers: your consents")
            .RequireAuthorization(VaultPolicies.Customer(VaultScopes.Consents));
        consents.MapListMyAccessRequests();
        consents.MapGetMyAccessRequest().ProducesETag();
        consents.MapApproveRequest();
        consents.MapDenyRequest();
        consents.MapListMyGrants();
        consents.MapGetMyGrant().ProducesETag();
        consents.MapGrantAccess();
        consents.MapRevokeGrant();
        consents.MapConfirmGrant();
        consents.MapNarrowGrant();
        consents.MapCustomerAccessLog();
        consents.MapRelationships();
        consents.MapRelationshipTimeline();
        consents.MapReceiptsForCustomers();
        consents.MapCreateConnectionCode();

        // Her inbox: messages from vendors, her answers and her own messages, and how she stops a sender.
        var inbox = v1.MapGroup("/me").WithTags("Customers: your messages")
            .RequireAuthorization(VaultPolicies.Customer(VaultScopes.Consents));
        inbox.MapInbox();
        inbox.MapReplyToMessage();
        inbox.MapWriteToVendor();
        inbox.MapStopMessages();
        inbox.MapReportMessage();

        // Her data as a whole: export and erasure need both customer scopes.
        v1.MapGroup("/me").WithTags("Customers: your data")
            .RequireAuthorization(VaultPolicies.Customer(VaultScopes.Profile), VaultPolicies.Customer(VaultScopes.Consents))
            .MapMyData();

        // Vendor systems (client credentials); every request re-checks that the vendor is active (CallingVendor).
        var vendors = v1.MapGroup("").WithTags("Vendors: access to customers")
            .RequireAuthorization(VaultPolicies.Vendor);
        vendors.MapRequestAccess();
        vendors.MapGetAccessRequest().ProducesETag();
        vendors.MapListAccessRequests();
        vendors.MapListGrants();
        vendors.MapGetGrant().ProducesETag();
        vendors.MapRelinquishGrant();
        vendors.MapConfirmDeletion();
        vendors.MapReadCustomerProfile();
        vendors.MapContacts();
        vendors.MapReceiptsForVendors();
        vendors.MapRedeemConnectionCode();
        vendors.MapConnections();

        var messages = v1.MapGroup("").WithTags("Vendors: messages")
            .RequireAuthorization(VaultPolicies.Vendor);
        messages.MapSendMessage();
        messages.MapGetMessage();
        messages.MapListMessages();

        // The vendor's scorecard: aggregates over its own customers, each withheld below the minimum group size.
        v1.MapGroup("").WithTags("Vendors: insights")
            .RequireAuthorization(VaultPolicies.Vendor)
            .MapVendorInsights();

        v1.MapGroup("").WithTags("Vendors: webhooks")
            .RequireAuthorization(VaultPolicies.Vendor)
            .MapWebhooks();

        // Operators (client credentials).
        var registry = v1.MapGroup("/vendors").WithTags("Operators: vendor registry")
            .RequireAuthorization(VaultPolicies.Operator);
        registry.MapRegisterVendor();
        registry.MapListVendors();
        registry.MapGetVendor();
        registry.MapRotateVendorSecret();
        registry.MapSetVendorRedirectUris();
        registry.MapSetVendorRetention();
        registry.MapSuspendVendor();
        registry.MapReactivateVendor();

        // Auditors (client credentials); operators make checkpoints on demand.
        v1.MapGroup("/audit").WithTags("Auditors: consent history")
            .RequireAuthorization(VaultPolicies.Auditor)
            .MapAuditForAuditors();
        v1.MapGroup("/audit").WithTags("Operators: checkpoints")
            .RequireAuthorization(VaultPolicies.Operator)
            .MapAuditForOperators();

        // The unsubscribe link in every e-mail: no sign-in, the signed token is the only credential.
        app.MapGroup("").RequireRateLimiting(RateLimits.Callers).MapUnsubscribe();

        app.MapAuthorizationEndpoints();
        app.MapProblemTypes();
        return app;
    }
}
