using System.Text.Json.Nodes;

namespace CustomerVault.Infrastructure.OpenApi;

/// <summary>
/// The prose of the contract that endpoint declarations do not carry: what each tag groups, what each operation does
/// beyond its summary, and what the parameters shared by many operations mean. Kept in one place so that the
/// document reads as one text; a test fails when an operation, tag or parameter lacks a description.
/// </summary>
public static class OperationDocs
{
    public static readonly IReadOnlyDictionary<string, string> Tags = new Dictionary<string, string>
    {
        ["Catalog"] = "Public: what a profile can hold and the consent scopes that cover it. No token needed.",
        ["Customers: your profile"] = "The signed-in customer's own profile (scope vault.profile), versioned: read its ETag, send it back as If-Match.",
        ["Customers: your consents"] = "The customer's side of consent (scope vault.consents): the requests addressed to her, her grants, their receipts, who read what, her relationships.",
        ["Customers: your data"] = "Her data as a whole (scopes vault.profile and vault.consents): a signed export, and erasure of her account.",
        ["Vendors: access to customers"] = "Vendor systems (client credentials, scope vault.access): ask a customer for access, learn the outcome, read exactly what is granted, record contacts.",
        ["Vendors: webhooks"] = "Where and how the vault tells a vendor of decisions and ends of grants: signed CloudEvents (Standard Webhooks), their deliveries and redelivery.",
        ["Operators: vendor registry"] = "Operators (scope vault.admin) register vendors and their OAuth clients, rotate their secrets, suspend and reactivate them.",
        ["Auditors: consent history"] = "Auditors (scope vault.audit) replay the consent history: every event, state as of any instant, hash-chain and checkpoint verification, the export feed.",
        ["Operators: checkpoints"] = "Operators make a signed checkpoint of every stream's head on demand (the vault makes one at least daily).",
    };

    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        ["GetCustomerGrantsAsOf"] = "Replays the customer's consent streams up to `asOf` (events recorded later are ignored), so an auditor sees exactly what the vault would have decided then.",
        ["GetVendorGrantsAsOf"] = "Replays the vendor's consent streams up to `asOf`: every request and grant with its status at that instant.",
        ["VerifyCustomerChains"] = "Recomputes the SHA-256 chain of each of the customer's streams from the stored events. `intact` is true when every event's hash and link match; otherwise the first broken link is named with its stream, version and sequence.",
        ["GetLatestCheckpoint"] = "A checkpoint is a JWS, signed with the vault's document key, over the head hash of every stream. Keep the JWS outside the vault: it later proves that nothing before it was rewritten.",
        ["VerifyLatestCheckpoint"] = "Recomputes every stream's chain up to the latest checkpoint's positions and compares the root with the signed one; also checks the checkpoint's signature against the published document keys.",
        ["GetCatalog"] = "Every attribute a profile can hold, with its type, rule, an example and the consent scope that covers it; and every scope with the attributes it covers. Public and cacheable for an hour.",
        ["ListMyAccessRequests"] = "The requests vendors addressed to you, newest first, optionally in one status (pending, approved, denied, expired, withdrawn). Paged with limit and offset; follow `next` until it is absent.",
        ["GetMyAccessRequest"] = "The request as you see it, with the vendor, purpose, scopes, duration and contact terms. The ETag is its version: send it as If-Match when you approve or deny.",
        ["ApproveAccessRequest"] = "Approves all requested scopes, or only those you list (a partial approval), until the requested duration ends or an earlier `expiresAt`. The answer is the request, now approved, naming the new `grantId`. Refused with 409 when the request is no longer pending or a cap on active grants is reached; with 412 when If-Match is stale.",
        ["DenyAccessRequest"] = "Denies the request; the vendor learns it (and your reason, if you give one) from the request and a webhook. Refused with 409 when the request is no longer pending.",
        ["ListMyGrants"] = "Your grants, newest first, optionally in one status (active, revoked, relinquished, expired). Paged with limit and offset.",
        ["GrantAccess"] = "You give a registered vendor access without its asking: scopes, purpose, description and an end. The vendor learns it by webhook. Answers 201 with the grant and its Location.",
        ["GetMyGrant"] = "The grant with its vendor, scopes, purpose, expiry and status. The ETag is its version: send it as If-Match when you narrow or revoke.",
        ["RevokeGrant"] = "Ends the grant at once: the vendor's very next read is refused and it is told by webhook. A signed receipt records the revocation.",
        ["NarrowGrant"] = "Removes the listed scopes from an active grant, which goes on for what remains (remove them all by revoking instead). A signed receipt records the change.",
        ["GetMyRelationships"] = "One entry per vendor you have dealt with: the grants' status, scopes, purpose and expiry, the last read, reads in the last 30 days and contacts this week. Paged with limit and offset.",
        ["GetMyGrantReceipt"] = "The signed consent receipt of the grant's latest change (granted, narrowed, revoked, relinquished or expired). Verify its JWS against /.well-known/jwks.",
        ["ListMyGrantReceipts"] = "One signed receipt per change of the grant, oldest first. Paged with limit and offset.",
        ["CreateCheckpoint"] = "Signs a checkpoint over every stream's head now, and answers with it (201, Location: the latest checkpoint).",
        ["ListVendors"] = "Every registered vendor, oldest first, with its status and webhook health. Paged with limit and offset.",
        ["GetVendor"] = "The vendor's registration: name, website, contact, the scopes it may ask for, its status, and the health of its webhook deliveries.",
        ["RotateVendorSecret"] = "Issues a new client secret, shown in this answer only; the old one is refused from now on, and tokens already issued run out within their lifetime.",
        ["SuspendVendor"] = "Refuses the vendor's token requests, access requests and reads at once, whatever tokens it holds; customers see its grants as suspended. Give a reason.",
        ["ReactivateVendor"] = "Lifts a suspension: the vendor may get tokens and read under its grants again.",
        ["ListAccessRequests"] = "Your requests, newest first, optionally for one customer and in one status. Paged with limit and offset.",
        ["GetAccessRequest"] = "The request with its status; once approved it names the `grantId`, once denied the customer's reason if she gave one.",
        ["ListGrants"] = "Your grants, newest first, optionally for one customer and in one status. Paged with limit and offset.",
        ["GetGrant"] = "The grant with its scopes, purpose, expiry and status. The ETag is its version: send it as If-Match when you relinquish it.",
        ["RelinquishGrant"] = "Ends a grant you no longer need; the customer sees it ended and a signed receipt records it.",
        ["GetContactPermission"] = "Says whether a contact on this channel is allowed now under an active grant's contact terms and the weekly cap, with the reason when it is not.",
        ["RecordContact"] = "Records that you contacted the customer on a channel. Refused with 403 when no active grant allows the channel or the weekly cap is reached.",
        ["GetGrantReceipt"] = "The signed consent receipt of the grant's latest change. Verify its JWS against /.well-known/jwks.",
        ["ListGrantReceipts"] = "One signed receipt per change of the grant, oldest first. Paged with limit and offset.",
        ["GetWebhookSettings"] = "Your webhook URL (absent when none is set), when the signing secret was last rotated, and the health of deliveries: healthy, failing (since when, how many failures in a row, the last error) or unknown.",
        ["SetWebhookEndpoint"] = "Outside Development only https URLs of public addresses are accepted. `{\"url\": null}` stops notifications.",
        ["RotateWebhookSecret"] = "A new signing secret (whsec_...), shown in this answer only; notifications are signed with it from now on.",
        ["ListWebhookDeliveries"] = "Your notifications, newest first, with their attempts and last error, optionally in one status. Paged with limit and offset.",
        ["RedeliverWebhook"] = "Queues the notification again with the same webhook-id, so a receiver that deduplicates by it still sees it once.",
    };

    /// <summary>A parameter's meaning wherever it appears, and an example value.</summary>
    public sealed record ParameterDoc(string Description, JsonNode? Example);

    public static readonly IReadOnlyDictionary<string, ParameterDoc> Parameters = new Dictionary<string, ParameterDoc>
    {
        ["Idempotency-Key"] = new("Any string of 1 to 200 characters you choose per request: a retry with the same key and body gets the first answer, with another body 422.", "newsletter-2026-11-ada"),
        ["after"] = new("Return events after this feed position (the previous page's lastPosition); 0 for the start.", 0),
        ["asOf"] = new("The instant to replay to (RFC 3339); now when absent.", "2026-11-22T10:00:00Z"),
        ["channel"] = new("The contact channel: email, sms, phone or post.", "email"),
        ["customerId"] = new("The customer's vault id (the sub of her tokens).", "0193a1f2-7c4e-7d3a-9b1e-2f6a8c0d4e51"),
        ["deliveryId"] = new("The notification's id (its webhook-id).", "0193a1f3-1a2b-7c3d-8e4f-5a6b7c8d9e0f"),
        ["from"] = new("Only entries at or after this instant (RFC 3339).", "2026-11-01T00:00:00Z"),
        ["to"] = new("Only entries before this instant (RFC 3339).", "2026-12-01T00:00:00Z"),
        ["grantId"] = new("The grant's id.", "0193a1f4-2b3c-7d4e-9f50-6a7b8c9d0e1f"),
        ["requestId"] = new("The access request's id.", "0193a1f2-7c4e-7d3a-9b1e-2f6a8c0d4e51"),
        ["vendorId"] = new("The vendor's id in the vault.", "0193a1f0-0a1b-7c2d-8e3f-4a5b6c7d8e9f"),
        ["limit"] = new("How many items a page holds, 1 to 500 (50 when absent).", 50),
        ["offset"] = new("How many items to skip; follow `next` rather than computing it.", 0),
        ["purpose"] = new("Why you read: service-delivery, marketing, analytics, research or legal-obligation. Only grants for this purpose count.", "marketing"),
        ["status"] = new("Only items in this status.", null),
    };
}
