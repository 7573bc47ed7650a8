using System.Text.Json.Nodes;
using CustomerVault.AccessLog;
using CustomerVault.Audit;
using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Insights;
using CustomerVault.Messages;
using CustomerVault.Kernel;
using CustomerVault.MyData;
using CustomerVault.Profiles;
using CustomerVault.VendorAccess;
using CustomerVault.Vendors;
using CustomerVault.Webhooks;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CustomerVault.Infrastructure.OpenApi;

/// <summary>
/// An example of every request and response body, one story throughout (Ada, the Stargazer Optics newsletter). The
/// linters check each against its schema, so an example that no longer fits its type fails the suite. A page of a
/// list shows one item of the list's example.
/// </summary>
public sealed class ContractExamples : ISchemaFilter
{
    private const string Customer = "01937c2e-4a1b-7e3c-9d2f-1b2c3d4e5f60";
    private const string Vendor = "01937c2e-5b2c-7f4d-8e3a-2c3d4e5f6071";
    private const string Request = "01937c2f-6c3d-7a5e-9f4b-3d4e5f607182";
    private const string Grant = "01937c30-7d4e-7b6f-8a5c-4e5f60718293";
    private const string Message = "01937c32-9f60-7d81-8c7e-60718293a4b5";

    private const string VendorSummary = $$"""{"id": "{{Vendor}}", "name": "Stargazer Optics", "website": "https://stargazer.example", "contactEmail": "privacy@stargazer.example", "status": "active"}""";
    private const string Health = """{"status": "healthy", "lastSuccessAt": "2026-11-22T10:05:00Z", "consecutiveFailures": 0}""";
    private const string Terms = """{"channels": ["email"], "maxContactsPerWeek": 1}""";
    private const string Profile = """
        {"identity": {"name": {"given": "Ada", "family": "Lovelace"}, "birthdate": "1985-12-10"},
         "contact": {"email": "ada@example.org", "phone": "+442071838750",
                     "postal": {"lines": ["12 St James's Square"], "locality": "London", "postalCode": "SW1Y 4LB", "country": "GB"}},
         "preferences": {"communication": {"channels": ["email"], "maxContactsPerWeek": 2}, "interests": ["astronomy", "optics"]}}
        """;
    private const string AccessRequest = $$"""
        {"id": "{{Request}}", "vendor": {{VendorSummary}}, "customerId": "{{Customer}}", "status": "approved",
         "scopes": ["name", "email", "phone"], "purpose": "marketing", "description": "Our monthly newsletter", "duration": "P6M",
         "contactTerms": {{Terms}}, "requestedAt": "2026-11-22T10:00:00Z", "answerBy": "2026-12-22T10:00:00Z",
         "decidedAt": "2026-11-22T10:04:00Z", "grantId": "{{Grant}}", "approvedScopes": ["name", "email"]}
        """;
    private const string GrantView = $$"""
        {"id": "{{Grant}}", "vendor": {{VendorSummary}}, "customerId": "{{Customer}}", "requestId": "{{Request}}", "status": "active",
         "scopes": ["name", "email"], "purpose": "marketing", "description": "Our monthly newsletter", "contactTerms": {{Terms}},
         "grantedAt": "2026-11-22T10:04:00Z", "expiresAt": "2027-05-22T10:04:00Z", "reviewedAt": "2026-11-22T10:04:00Z"}
        """;
    private const string VendorView = $$"""
        {"id": "{{Vendor}}", "clientId": "stargazer-optics", "displayName": "Stargazer Optics", "website": "https://stargazer.example",
         "contactEmail": "privacy@stargazer.example", "scopes": ["name", "email", "phone"], "webhookUrl": "https://hooks.stargazer.example/customervault",
         "status": "active", "registeredAt": "2026-11-01T09:00:00Z", "webhookHealth": {{Health}}, "retention": [{"purpose": "marketing", "period": "P30D"}]}
        """;
    private const string Checkpoint = """
        {"id": "01937c33-a071-7e92-9d8f-718293a4b5c6", "sequence": 48213, "position": 48213, "streams": 5120,
         "root": "9f2b5c0e7d1a4b8c3e6f9a2d5b8c1e4f7a0d3b6c9e2f5a8d1b4c7e0f3a6d9b2c", "createdAt": "2026-11-23T00:00:00Z",
         "createdBy": "vault", "jws": "eyJhbGciOiJSUzI1NiIsImtpZCI6ImRvYy0xIiwidHlwIjoiY2hlY2twb2ludCtqd3QifQ.eyJyb290IjoiLi4uIn0.c2lnbmF0dXJl"}
        """;
    private const string Receipt = $$"""
        {"receiptId": "5e0c8a3e-2b71-4f5d-9a6e-0c1d2e3f4a5b", "grantId": "{{Grant}}", "event": "granted", "issuedAt": "2026-11-22T10:04:00Z",
         "receipt": {"iss": "https://vault.customervault.example/", "sub": "{{Customer}}", "jti": "5e0c8a3e-2b71-4f5d-9a6e-0c1d2e3f4a5b",
           "iat": 1795514640, "version": "KI-CR-v1.1.0", "jurisdiction": "EU", "consentTimestamp": 1795514640,
           "collectionMethod": "Approved by the customer in her CustomerVault, answering the vendor's request",
           "consentReceiptID": "5e0c8a3e-2b71-4f5d-9a6e-0c1d2e3f4a5b", "language": "en", "piiPrincipalId": "{{Customer}}",
           "piiControllers": [{"piiController": "Stargazer Optics", "contact": "privacy@stargazer.example", "email": "privacy@stargazer.example", "url": "https://stargazer.example"}],
           "policyUrl": "https://stargazer.example",
           "services": [{"service": "Stargazer Optics", "purposes": [{"purpose": "Our monthly newsletter", "purposeCategory": ["marketing"], "consentType": "EXPLICIT",
             "piiCategory": ["name", "email"], "primaryPurpose": true, "termination": "2027-05-22T10:04:00.0000000+00:00", "thirdPartyDisclosure": false}]}],
           "sensitive": false, "spiCat": [], "event": "granted", "eventVersion": 1, "grantId": "{{Grant}}", "requestId": "{{Request}}",
           "status": "active", "scopes": ["name", "email"], "expiresAt": "2027-05-22T10:04:00.0000000+00:00", "contactTerms": {{Terms}},
           "requestText": "Our monthly newsletter"},
         "jws": "eyJhbGciOiJSUzI1NiIsImtpZCI6ImRvYy0xIiwidHlwIjoiY29uc2VudC1yZWNlaXB0K2p3dCJ9.eyJldmVudCI6ImdyYW50ZWQifQ.c2lnbmF0dXJl"}
        """;
    private const string Delivery = $$"""
        {"id": "01937c32-9f60-7d81-8c7e-60718293a4b5", "type": "com.customervault.access-request.approved", "subject": "{{Request}}",
         "status": "failed", "attempts": 9, "createdAt": "2026-11-22T10:04:00Z", "lastAttemptAt": "2026-11-26T10:04:00Z",
         "lastError": "HTTP 503 from the receiver"}
        """;
    private const string History = $$"""
        {"sequence": 48102, "stream": "grant", "streamId": "{{Grant}}", "version": 1, "type": "access_granted", "at": "2026-11-22T10:04:00Z",
         "actor": "customer:{{Customer}}", "correlationId": "4bf92f3577b34da6a3ce929d0e0e4736",
         "after": {"kind": "grant", "status": "active", "scopes": ["name", "email"], "purpose": "marketing", "vendorId": "{{Vendor}}", "until": "2027-05-22T10:04:00Z"},
         "hash": "3c1e5a7b9d2f4e6a8c0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c"}
        """;
    private const string Relationship = $$"""
        {"vendor": {{VendorSummary}}, "status": "active", "scopes": ["name", "email"], "purposes": ["marketing"], "expiresAt": "2027-05-22T10:04:00Z",
         "activeGrants": ["{{Grant}}"], "lastRead": "2026-11-23T08:30:00Z", "readsLast30Days": 3, "contactsLast7Days": 1, "pendingRequests": 0,
         "dormant": false}
        """;
    private const string TimelineDay = $$"""
        {"date": "2026-11-23", "readCount": 3,
         "reads": [{"purpose": "marketing", "attributes": ["identity.name", "contact.email"], "count": 3, "first": "2026-11-23T08:30:00Z", "last": "2026-11-23T17:45:00Z"}],
         "messageCount": 1,
         "messages": [{"id": "{{Message}}", "from": "vendor", "channel": "email", "purpose": "marketing", "at": "2026-11-23T09:00:00Z", "status": "delivered", "reported": false}],
         "grantChangeCount": 1,
         "grantChanges": [{"grantId": "{{Grant}}", "event": "narrowed", "purpose": "marketing", "scopes": ["name"], "status": "active", "at": "2026-11-23T18:10:00Z"}]}
        """;
    private const string AccessLogEntry = $$"""
        {"id": "01937c31-8e5f-7c70-9b6d-5f60718293a4", "vendor": {{VendorSummary}}, "kind": "read", "purpose": "marketing",
         "grants": ["{{Grant}}"], "attributes": ["identity.name", "contact.email"], "at": "2026-11-23T08:30:00Z", "requestId": "0HN8R3P1Q2S4T:00000001"}
        """;
    private const string Attribute = """
        {"name": "contact.email", "title": "E-mail address", "type": "string", "rule": "an e-mail address", "scope": "email", "example": "ada@example.org"}
        """;
    private const string FeedEvent = $$"""
        {"position": 48102, "sequence": 48102, "streamId": "{{Grant}}", "version": 1, "type": "access_granted", "at": "2026-11-22T10:04:00Z",
         "actor": "customer:{{Customer}}", "correlationId": "4bf92f3577b34da6a3ce929d0e0e4736",
         "data": {"grantId": "{{Grant}}", "vendorId": "{{Vendor}}", "customerId": "{{Customer}}", "scopes": ["name", "email"]},
         "hash": "3c1e5a7b9d2f4e6a8c0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c",
         "previousHash": "0000000000000000000000000000000000000000000000000000000000000000"}
        """;

    private static readonly Dictionary<Type, string> Examples = new()
    {
        // Requests.
        [typeof(AccessRequestBody)] = $$"""
            {"customerId": "{{Customer}}", "scopes": ["name", "email", "phone"], "purpose": "marketing", "description": "Our monthly newsletter",
             "duration": "P6M", "contactTerms": {{Terms}}}
            """,
        [typeof(ApproveBody)] = """{"scopes": ["name", "email"], "expiresAt": "2027-03-01T00:00:00Z"}""",
        [typeof(DenyBody)] = """{"reason": "I do not read newsletters."}""",
        [typeof(GrantBody)] = $$"""
            {"vendorId": "{{Vendor}}", "scopes": ["postal-address"], "purpose": "service-delivery", "description": "Deliver my order",
             "expiresAt": "2026-12-31T00:00:00Z", "contactTerms": {"channels": ["sms"], "maxContactsPerWeek": 3} }
            """,
        [typeof(RevokeBody)] = """{"reasonCode": "too-many-messages", "reason": "Three a week is more than I asked for"}""",
        [typeof(DeletionConfirmationBody)] = """{"outcome": "deleted", "scopes": ["name", "email"], "performedAt": "2026-11-24T08:00:00Z"}""",
        [typeof(RetentionBody)] = """{"retention": [{"purpose": "marketing", "period": "P30D"}, {"purpose": "service-delivery", "period": "P2Y"}]}""",
        [typeof(DeclaredRetention)] = """{"purpose": "marketing", "period": "P30D"}""",
        [typeof(NarrowBody)] = """{"removeScopes": ["email"]}""",
        [typeof(RelinquishBody)] = """{"reason": "The campaign ended."}""",
        [typeof(ContactBody)] = """{"channel": "email"}""",
        [typeof(RegisterVendor)] = """
            {"displayName": "Stargazer Optics", "website": "https://stargazer.example", "contactEmail": "privacy@stargazer.example",
             "scopes": ["name", "email", "phone"], "webhookUrl": "https://hooks.stargazer.example/customervault",
             "retention": [{"purpose": "marketing", "period": "P30D"}]}
            """,
        [typeof(SuspendVendorRequest)] = """{"reason": "Under investigation for a data breach"}""",
        [typeof(WebhookEndpointBody)] = """{"url": "https://hooks.stargazer.example/customervault"}""",
        [typeof(ProfileDocument)] = Profile,
        [typeof(ConnectionCodeBody)] = $$"""{"vendorId": "{{Vendor}}"}""",
        [typeof(RedeemBody)] = """{"code": "7KQ2M-XR4TB"}""",
        [typeof(RedirectUrisBody)] = """{"redirectUris": ["https://stargazer.example/signin-customervault"]}""",
        [typeof(MessageBody)] = """
            {"channel": "email", "subject": "Your telescope is ready", "body": "Come and collect it on Monday.\nThe Stargazer team", "purpose": "marketing"}
            """,
        [typeof(ReplyBody)] = """{"subject": "Re: Your telescope is ready", "body": "Thank you, I will come on Monday."}""",
        [typeof(WriteBody)] = $$"""{"vendorId": "{{Vendor}}", "kind": "feedback", "subject": "Lovely service", "body": "The new lenses are excellent."}""",

        // Answers.
        [typeof(AccessRequestView)] = AccessRequest,
        [typeof(GrantView)] = GrantView,
        [typeof(CatalogAttribute)] = Attribute,
        [typeof(CatalogDocument)] = $$"""
            {"attributes": [{{Attribute}}], "scopes": [{"name": "email", "title": "E-mail address", "description": "Your e-mail address (contact.email)."}]}
            """,
        [typeof(VendorProfileRead)] = $$"""
            {"customerId": "{{Customer}}", "purpose": "marketing", "grants": ["{{Grant}}"], "scopes": ["name", "email"],
             "profile": {"identity": {"name": {"given": "Ada", "family": "Lovelace"} }, "contact": {"email": "ada@example.org"} },
             "accessId": "01937c31-8e5f-7c70-9b6d-5f60718293a4", "readAt": "2026-11-23T08:30:00Z"}
            """,
        [typeof(ContactPermission)] = $$"""
            {"channel": "email", "allowed": true, "detail": "Allowed by your grant's contact terms: 1 of 1 contacts left this week.",
             "weeklyLimit": 1, "contactsLast7Days": 0, "grants": ["{{Grant}}"]}
            """,
        [typeof(AccessLogItem)] = AccessLogEntry,
        [typeof(ConsentReceiptView)] = Receipt,
        [typeof(AccessLog.Relationship)] = Relationship,
        [typeof(RelationshipTimeline)] = $$"""
            {"vendor": {{VendorSummary}}, "status": "active", "from": "2026-08-26T00:00:00Z", "to": "2026-11-23T19:00:00Z",
             "summary": {"lastRead": "2026-11-23T17:45:00Z", "readsLast30Days": 12, "contactsLast7Days": 1, "weeklyCap": 1, "dormant": false,
                         "activeGrants": ["{{Grant}}"]},
             "items": [{{TimelineDay}}], "next": "/v1/me/relationships/{{Vendor}}/timeline?limit=1&offset=1"}
            """,
        [typeof(TimelineDay)] = TimelineDay,
        [typeof(HistoryEntry)] = History,
        [typeof(AsOfView)] = $$"""{"asOf": "2026-11-22T12:00:00Z", "requests": [{{AccessRequest}}], "grants": [{{GrantView}}]}""",
        [typeof(FeedPage)] = $$"""{"items": [{{FeedEvent}}], "lastPosition": 48102, "next": "/v1/audit/events?after=48102&limit=1000"}""",
        [typeof(VerificationReport)] = """{"intact": true, "streams": 4, "events": 17}""",
        [typeof(Audit.Checkpoint)] = Checkpoint,
        [typeof(CheckpointCheck)] = $$"""
            {"checkpoint": {{Checkpoint}}, "matches": true, "signatureValid": true,
             "recomputedRoot": "9f2b5c0e7d1a4b8c3e6f9a2d5b8c1e4f7a0d3b6c9e2f5a8d1b4c7e0f3a6d9b2c", "events": 48213}
            """,
        [typeof(ErasureReport)] = $$"""{"customerId": "{{Customer}}", "erasedAt": "2026-11-23T09:00:00Z", "revokedGrants": ["{{Grant}}"], "deniedRequests": []}""",
        [typeof(Vendors.VendorView)] = VendorView,
        [typeof(VendorCredentials)] = $$"""
            {"vendor": {{VendorView}}, "clientId": "stargazer-optics", "clientSecret": "9yV3qK2mX7pL0sT4wZ8bN1cR6dF5gH3j",
             "webhookSecret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}
            """,
        [typeof(WebhookSettings)] = $$"""
            {"url": "https://hooks.stargazer.example/customervault", "secretRotatedAt": "2026-11-20T09:00:00Z", "health": {{Health}}}
            """,
        [typeof(WebhookSecretView)] = """{"secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "rotatedAt": "2026-11-23T09:00:00Z"}""",
        [typeof(DeliveryView)] = Delivery,
        [typeof(ConnectionCodeView)] = $$"""{"code": "7KQ2M-XR4TB", "vendor": {{VendorSummary}}, "expiresAt": "2026-11-23T09:15:00Z"}""",
        [typeof(ConnectionView)] = $$"""{"customerId": "{{Customer}}", "status": "connected", "via": "authorization", "connectedAt": "2026-11-22T10:00:00Z"}""",
        [typeof(VendorMessage)] = $$"""
            {"id": "{{Message}}", "customerId": "{{Customer}}", "from": "vendor", "channel": "email", "purpose": "marketing",
             "subject": "Your telescope is ready", "body": "Come and collect it on Monday.", "sentAt": "2026-11-23T09:00:00Z",
             "status": "delivered", "deliveredAt": "2026-11-23T09:00:02Z"}
            """,
        [typeof(InboxMessage)] = $$"""
            {"id": "{{Message}}", "vendor": {{VendorSummary}}, "from": "vendor", "channel": "email", "purpose": "marketing",
             "subject": "Your telescope is ready", "body": "Come and collect it on Monday.", "sentAt": "2026-11-23T09:00:00Z",
             "status": "delivered", "deliveredAt": "2026-11-23T09:00:02Z"}
            """,
        [typeof(ContactStopped)] = $$"""{"vendorId": "{{Vendor}}", "grantsChanged": 1}""",
        [typeof(GrantDeletion)] = """
            {"status": "confirmed", "pending": [], "confirmations": [{"outcome": "deleted", "scopes": ["name", "email"], "performedAt": "2026-11-24T08:00:00Z", "confirmedAt": "2026-11-24T08:01:00Z"}]}
            """,
        [typeof(DeletionConfirmation)] = """{"outcome": "deleted", "scopes": ["name", "email"], "performedAt": "2026-11-24T08:00:00Z", "confirmedAt": "2026-11-24T08:01:00Z"}""",
        [typeof(RelationshipDeletion)] = """{"status": "confirmed", "deletedAt": "2026-11-24T08:00:00Z", "notConfirmed": 0}""",
        [typeof(VendorInsights)] = """
            {"from": "2025-11-23T09:00:00Z", "to": "2026-11-23T09:00:00Z", "minimumGroupSize": 10,
             "requests": {"withheld": false, "count": 1200, "approvedInFull": 0.62, "approvedInPart": 0.21, "denied": 0.09, "expiredUnanswered": 0.08},
             "scopes": {"withheld": false, "asked": 3600, "granted": 2750, "share": 0.764},
             "revocations": {"withheld": false, "count": 140, "byReason": [{"code": "too-many-messages", "count": 61}, {"code": "no-longer-needed", "count": 52}, {"code": "other", "count": 27}]},
             "grantLife": {"withheld": false, "ended": 310, "medianDays": 143.5},
             "keepSharing": {"withheld": false, "grants": 420, "share": 0.81},
             "renewals": {"withheld": true},
             "messages": {"withheld": false, "perCustomerPerWeek": 0.8, "averageWeeklyCap": 1.6, "sent": 9800, "reportedUnwanted": 12, "reportedShare": 0.001},
             "deletions": {"withheld": false, "onTime": 280, "late": 14, "missing": 6, "awaiting": 10, "onTimeShare": 0.933}}
            """,
        [typeof(RequestInsights)] = """{"withheld": false, "count": 1200, "approvedInFull": 0.62, "approvedInPart": 0.21, "denied": 0.09, "expiredUnanswered": 0.08}""",
        [typeof(ScopeInsights)] = """{"withheld": false, "asked": 3600, "granted": 2750, "share": 0.764}""",
        [typeof(RevocationInsights)] = """{"withheld": false, "count": 140, "byReason": [{"code": "too-many-messages", "count": 61}]}""",
        [typeof(ReasonCount)] = """{"code": "too-many-messages", "count": 61}""",
        [typeof(GrantLifeInsights)] = """{"withheld": false, "ended": 310, "medianDays": 143.5}""",
        [typeof(KeepSharingInsights)] = """{"withheld": false, "grants": 420, "share": 0.81}""",
        [typeof(RenewalInsights)] = """{"withheld": true}""",
        [typeof(MessageInsights)] = """{"withheld": false, "perCustomerPerWeek": 0.8, "averageWeeklyCap": 1.6, "sent": 9800, "reportedUnwanted": 12, "reportedShare": 0.001}""",
        [typeof(DeletionInsights)] = """{"withheld": false, "onTime": 280, "late": 14, "missing": 6, "awaiting": 10, "onTimeShare": 0.933}""",
        [typeof(MessageReported)] = $$"""{"messageId": "{{Message}}", "vendorId": "{{Vendor}}", "reportedAt": "2026-11-23T09:30:00Z", "grantsChanged": 1}""",
    };

    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        if (schema is not OpenApiSchema concrete)
        {
            return;
        }

        if (Examples.TryGetValue(context.Type, out var example))
        {
            concrete.Examples = [JsonNode.Parse(example)!];
        }
        else if (context.Type.IsGenericType && context.Type.GetGenericTypeDefinition() == typeof(Page<>)
                 && Examples.TryGetValue(context.Type.GetGenericArguments()[0], out var item))
        {
            concrete.Examples = [new JsonObject { ["items"] = new JsonArray(JsonNode.Parse(item)), ["next"] = "?limit=1&offset=1" }];
        }
    }
}
