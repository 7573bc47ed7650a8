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
        ["Customers: your messages"] = "Her inbox (scope vault.consents): what vendors sent her and what she wrote, her replies and own messages to vendors she deals with, stopping a company's messages and reporting them as unwanted.",
        ["Vendors: messages"] = "Vendor systems (scope vault.access) message a customer through the vault, by e-mail, SMS or to her inbox, under her channels and the weekly cap, without ever holding her address; and read her replies.",
        ["Vendors: insights"] = "Vendor systems (scope vault.access) read their own scorecard: how their customers answer, keep, renew and end grants, in aggregate only, each part withheld below the vault's minimum group size.",
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
        ["RevokeGrant"] = "Ends the grant at once: the vendor's very next read is refused and it is told by webhook. A signed receipt records the revocation. Give a `reasonCode` (no-longer-needed, too-many-messages, did-not-expect-this-use, asks-for-too-much, do-not-trust-them, switched-provider, other) and, if you like, a `reason` in your own words: the vendor never sees either for your grant, only the codes counted over many customers in its scorecard.",
        ["ConfirmGrant"] = "She keeps sharing: the grant counts as reviewed now (the next still-sharing reminder is a reminder period later), and a grant paused for want of her confirmation resumes at once, with a signed receipt (resumed) and a grant.resumed notification to the vendor. 409 for a grant that has ended.",
        ["NarrowGrant"] = "Removes the listed scopes from an active grant, which goes on for what remains (remove them all by revoking instead). A signed receipt records the change.",
        ["GetMyRelationships"] = "One entry per vendor you have dealt with: the grants' status, scopes, purpose and expiry, the last read, reads in the last 30 days and contacts this week, and whether it is dormant (an active grant, no read in 90 days). Paged with limit and offset.",
        ["GetMyRelationshipTimeline"] = "Your relationship with one company over the last `days` days (UTC, today included): per day, its reads grouped by purpose and attributes, the messages either way, and every change of its grants with the grant as it stood after; with the figures of your relationships list plus the weekly cap of contacts. Days without anything are left out; the days are paged with limit and offset, newest first. 404 for a company you have no relationship with.",
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
        ["ListMyMessages"] = "Your inbox, newest first: what companies sent you and what you wrote to them, optionally with one company (vendorId). Paged with limit and offset.",
        ["WriteToVendor"] = "Writes to a company you have a grant or a request with (feedback, an idea, a complaint or a question); it receives it by webhook (customer.message) and in its message list. 404 for a company you have never dealt with.",
        ["GetMyMessage"] = "One message of your inbox, either way, with its delivery state.",
        ["ReplyToMessage"] = "Answers a company's message; the company receives your reply by webhook and in its message list, never your address.",
        ["StopMessages"] = "Ends the company's permission to contact you under every grant it holds; what it may read stays. Recorded in your history, and the company is told (grant.contact-ended).",
        ["ReportMessage"] = "Reports the message as unwanted: stops the company's messages as above, and the report counts against the company. 409 for a message you wrote.",
        ["SetVendorRedirectUris"] = "The addresses the vendor's web site may receive the customer back at after the consent flow (https, or http to a loopback address); replaces the list.",
        ["ListConnections"] = "The customers you know, each by your own (pairwise) id for her, with how you came to know her; `erased` once she erased her account. Paged with limit and offset.",
        ["GetConnection"] = "One customer you know, by your id for her: how and when you came to know her, and whether she still has an account. 404 for an id you know no one by.",
        ["GetMessage"] = "One message you sent or received, with its delivery state (pending, delivered, failed, cancelled); never her address.",
        ["ListMessages"] = "Your messages with customers, both ways, newest first; customerId (your id for her) narrows to one customer. Paged with limit and offset.",
        ["ConfirmDeletion"] = "Once a grant ended (revoked, expired or relinquished), states what you did with the data you held under it: `deleted` or `de-identified`, for every scope it covered not confirmed before, and when (`performedAt`, not in the future). While the grant is active, only scopes a narrowing removed can be confirmed. One statement per ending: a second is refused with 409. The customer sees it (or, after the vault's confirmation period, that it is missing); auditors see it in the grant's history.",
        ["GetVendorInsights"] = "Over your customers and the vault's window (a year by default, `from` to `to`): requests approved in full, in part, denied or expired unanswered; scopes granted against asked; revocations by reason code; median grant life; the share still sharing after six months; renewals; messages per customer against the weekly caps and unwanted-message reports; deletion confirmations on time, late or missing. A part resting on fewer distinct customers than `minimumGroupSize` is `withheld` with no figures, so no one customer's choice can be read out of it.",
        ["SetVendorRetention"] = "How long the vendor keeps data per purpose once a grant ends (ISO 8601 durations); replaces the list. Customers see it on the consent and request pages before they answer.",
        ["RedeliverWebhook"] = "Queues the notification again with the same webhook-id, so a receiver that deduplicates by it still sees it once.",
    };

    /// <summary>A parameter's meaning wherever it appears, and an example value.</summary>
    public sealed record ParameterDoc(string Description, JsonNode? Example);

    public static readonly IReadOnlyDictionary<string, ParameterDoc> Parameters = new Dictionary<string, ParameterDoc>
    {
        ["Idempotency-Key"] = new("Any string of 1 to 200 characters you choose per request: a retry with the same key and body gets the first answer, with another body 422.", "newsletter-2026-11-ada"),
        ["after"] = new("Return events after this feed position (the previous page's lastPosition); 0 for the start.", 0),
        ["asOf"] = new("The instant to replay to (RFC 3339); now when absent.", "2026-11-22T10:00:00Z"),
        ["days"] = new("How many days the window spans, today (UTC) included: 1 to 366 (90 when absent).", 90),
        ["channel"] = new("The contact channel: email, sms, phone or post.", "email"),
        ["customerId"] = new("The customer: for a vendor, its own (pairwise) id for her; for an auditor, her vault id.", "0193a1f2-7c4e-7d3a-9b1e-2f6a8c0d4e51"),
        ["messageId"] = new("The message's id.", "01937c32-9f60-7d81-8c7e-60718293a4b5"),
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

/// <summary>
/// Describes the properties that their record does not (a member's own XML documentation wins): the same name means the
/// same thing across the API, so one description by name serves every schema, with a few names that differ by schema.
/// </summary>
public sealed class PropertyDescriptions : Swashbuckle.AspNetCore.SwaggerGen.ISchemaFilter
{
    private static readonly IReadOnlyDictionary<string, string> BySchema = new Dictionary<string, string>
    {
        ["AccessRequestView.description"] = "The purpose in the vendor's words, as the customer saw it.",
        ["GrantView.description"] = "The purpose in the vendor's (or, for her own grant, the customer's) words.",
        ["GrantBody.description"] = "The purpose in your words, shown to the vendor and on the receipt.",
        ["AccessRequestView.status"] = "pending, approved, denied, expired or withdrawn.",
        ["GrantView.status"] = "active, suspended (the vendor is suspended), revoked, relinquished or expired.",
        ["VendorView.status"] = "active or suspended.",
        ["VendorSummary.status"] = "active or suspended.",
        ["ConsentState.status"] = "The request's or grant's status at that point.",
        ["DeliveryView.status"] = "pending (to be sent or retried), delivered, or failed (parked after the last retry).",
        ["DataScope.name"] = "The scope's name, as requests and grants list it.",
        ["DataScope.title"] = "The scope in plain words.",
        ["DataScope.description"] = "What the scope covers, naming its attributes.",
        ["CatalogAttribute.title"] = "The attribute in plain words.",
        ["CatalogAttribute.type"] = "The value's JSON type: string, object or array.",
        ["CatalogAttribute.rule"] = "The rule a value must satisfy.",
        ["CatalogDocument.attributes"] = "Every attribute a profile can hold.",
        ["CatalogDocument.scopes"] = "Every consent scope, with what it covers.",
        ["AsOfView.requests"] = "The requests as they stood then.",
        ["AsOfView.grants"] = "The grants as they stood then.",
        ["VendorSummary.name"] = "The vendor's display name.",
        ["ContactPermission.detail"] = "The decision in plain words.",
        ["ContactPermission.allowed"] = "Whether a contact on this channel is allowed now.",
        ["ContactPermission.grants"] = "The active grants whose contact terms allow the channel.",
        ["AccessLogItem.grants"] = "The grants the read or contact relied on.",
        ["VendorProfileRead.purpose"] = "The purpose the read was made for.",
        ["ConsentState.purpose"] = "The purpose of the request or grant.",
        ["CheckpointCheck.events"] = "How many events were recomputed.",
        ["VerificationReport.events"] = "How many events were recomputed.",
        ["VerificationReport.streams"] = "How many of the customer's streams were checked.",
        ["Checkpoint.streams"] = "How many streams the checkpoint covers.",
        ["ProblemDetails.type"] = "The problem type: a URL under the vault's issuer whose page describes it (RFC 9457).",
        ["ProblemDetails.status"] = "The HTTP status code (RFC 9457).",
        ["HttpValidationProblemDetails.type"] = "The problem type: a URL under the vault's issuer whose page describes it (RFC 9457).",
        ["HttpValidationProblemDetails.status"] = "The HTTP status code (RFC 9457).",
        ["HttpValidationProblemDetails.errors"] = "Each offending field (a JSON path, a parameter or a header) with what is wrong with it.",
    };

    private static readonly IReadOnlyDictionary<string, string> ByName = new Dictionary<string, string>
    {
        ["id"] = "The resource's id.",
        ["items"] = "This page's items, in the list's order.",
        ["next"] = "The link to the next page (the same query with the next offset or position); absent on the last page.",
        ["lastPosition"] = "The feed position of this page's last event: pass it as after for the next page.",
        ["customerId"] = "The customer's vault id (the sub of her tokens).",
        ["vendorId"] = "The vendor's id in the vault.",
        ["grantId"] = "The grant's id.",
        ["receiptId"] = "The receipt's id; the same for the same event, however often it is fetched.",
        ["streamId"] = "The event stream's id (the profile, request or grant it records).",
        ["clientId"] = "The vendor's OAuth client id (client credentials).",
        ["displayName"] = "The vendor's name as customers see it.",
        ["website"] = "The vendor's website, where its privacy policy is.",
        ["contactEmail"] = "The vendor's privacy contact.",
        ["webhookUrl"] = "Where the vault posts the vendor's notifications; absent when none is set.",
        ["url"] = "The webhook URL; null or absent when none is set.",
        ["status"] = "The resource's status.",
        ["scopes"] = "Consent scopes from the catalogue (name, birthdate, email, phone, postal-address, communication-preferences, interests).",
        ["removeScopes"] = "The scopes to remove; the grant keeps the others.",
        ["approvedScopes"] = "The scopes the customer approved (all or some of those requested).",
        ["purpose"] = "Why the data is used: service-delivery, marketing, analytics, research or legal-obligation.",
        ["description"] = "The purpose in plain words.",
        ["reason"] = "Why, in a few words; shown to the other party.",
        ["denialReason"] = "The customer's reason for denying, if she gave one.",
        ["endReason"] = "Why the grant ended, when it did.",
        ["suspensionReason"] = "Why the operator suspended the vendor.",
        ["requestedAt"] = "When the vendor asked.",
        ["decidedAt"] = "When the customer approved or denied; absent while pending.",
        ["grantedAt"] = "When the grant began.",
        ["expiresAt"] = "When the grant ends (RFC 3339).",
        ["endedAt"] = "When the grant ended early (revoked or relinquished).",
        ["registeredAt"] = "When the vendor was registered.",
        ["suspendedAt"] = "When the vendor was suspended; absent unless suspended.",
        ["secretRotatedAt"] = "When the secret was last replaced.",
        ["rotatedAt"] = "When the secret was replaced.",
        ["createdAt"] = "When it was created.",
        ["issuedAt"] = "When the change the receipt records happened.",
        ["erasedAt"] = "When the account was erased.",
        ["readAt"] = "When the read was made (and logged).",
        ["at"] = "When it happened.",
        ["asOf"] = "The instant the state is shown as of.",
        ["lastRead"] = "The vendor's latest read of her data.",
        ["lastSuccessAt"] = "The latest delivery that got through.",
        ["failingSince"] = "Since when deliveries fail; absent while healthy.",
        ["consecutiveFailures"] = "Failed attempts in a row since the last success.",
        ["lastError"] = "What went wrong the last time.",
        ["nextAttemptAt"] = "When the next attempt is due.",
        ["lastAttemptAt"] = "When the latest attempt was made.",
        ["deliveredAt"] = "When the receiver accepted it.",
        ["attempts"] = "How many times it was sent.",
        ["type"] = "The event or notification type.",
        ["subject"] = "The request or grant the notification is about.",
        ["channel"] = "The contact channel: email, sms, phone or post.",
        ["channels"] = "Contact channels: email, sms, phone, post.",
        ["maxContactsPerWeek"] = "How many contacts a week at most (0 to 50).",
        ["activeGrants"] = "The vendor's active grants.",
        ["readsLast30Days"] = "Reads of her data in the last 30 days.",
        ["pendingRequests"] = "Requests from this vendor waiting for her answer.",
        ["sequence"] = "The event store's sequence number.",
        ["version"] = "The stream's version after the event.",
        ["actor"] = "Who caused it: customer:{id}, vendor:{client_id}, operator:{client_id} or vault.",
        ["correlationId"] = "The request's trace id (W3C traceparent when the caller sent one).",
        ["causationId"] = "What caused the event, when another event did.",
        ["hash"] = "SHA-256 over the event's stored form and the previous hash (hex).",
        ["previousHash"] = "The previous event's hash in the same stream (64 zeros for the first).",
        ["recomputedRoot"] = "The root recomputed from the events.",
        ["createdBy"] = "Who made it: vault (scheduled) or operator:{client_id}.",
        ["given"] = "Given name(s), 1 to 100 characters.",
        ["family"] = "Family name, 1 to 100 characters.",
        ["email"] = "An e-mail address.",
        ["lines"] = "Street lines, 1 to 4.",
        ["locality"] = "Town or city.",
        ["region"] = "State, county or province.",
        ["postalCode"] = "Postal code.",
        ["interests"] = "Up to 50 tags of a-z, 0-9 and -.",
        ["title"] = "A short summary of the problem type (RFC 9457).",
        ["detail"] = "What happened in this occurrence (RFC 9457).",
        ["instance"] = "The path of the request that failed (RFC 9457).",
        ["requests"] = "Access requests.",
        ["grants"] = "Grants.",
    };

    public void Apply(Microsoft.OpenApi.IOpenApiSchema schema, Swashbuckle.AspNetCore.SwaggerGen.SchemaFilterContext context)
    {
        if (schema.Properties is null)
        {
            return;
        }

        var schemaName = context.Type.Name;
        foreach (var (name, property) in schema.Properties)
        {
            if (property is Microsoft.OpenApi.OpenApiSchema concrete && string.IsNullOrEmpty(concrete.Description)
                && (BySchema.TryGetValue($"{schemaName}.{name}", out var description) || ByName.TryGetValue(name, out description)))
            {
                concrete.Description = description;
            }
        }
    }
}
