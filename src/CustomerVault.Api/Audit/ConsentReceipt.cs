using System.Text.Encodings.Web;
using System.Text.Json;
using CustomerVault.Consents;

namespace CustomerVault.Audit;

/// <summary>
/// A consent receipt after the Kantara Consent Receipt specification 1.1 and ISO/IEC 29184: what the customer agreed
/// to, with whom, for what and until when, plus the vault's own fields (event, grant, scopes) that tie it to the grant.
/// </summary>
/// <param name="Iss">The vault that issued the receipt (its issuer URL).</param>
/// <param name="Sub">The customer as the controller (the vendor) knows her: its pairwise id for her; absent once she erased her account.</param>
/// <param name="Jti">The receipt's id (the same as <paramref name="ConsentReceiptID"/>).</param>
/// <param name="Iat">When the change happened, in seconds since the Unix epoch.</param>
/// <param name="Version">The Kantara specification version the receipt follows.</param>
/// <param name="Jurisdiction">The jurisdiction the consent was given under.</param>
/// <param name="ConsentTimestamp">When the consent was given or changed, in seconds since the Unix epoch.</param>
/// <param name="CollectionMethod">How the consent was collected.</param>
/// <param name="ConsentReceiptID">The receipt's id: the same for the same event, however often it is fetched.</param>
/// <param name="Language">The language of the receipt's texts.</param>
/// <param name="PiiPrincipalId">The data subject, named as in sub (the vendor's id for her, never her vault id).</param>
/// <param name="PiiControllers">The vendor, as the controller of the data it receives.</param>
/// <param name="PolicyUrl">The vendor's website, where its privacy policy is.</param>
/// <param name="Services">The service the consent is for, with its purpose.</param>
/// <param name="Sensitive">Whether special categories of data are shared (never: the catalogue holds none).</param>
/// <param name="SpiCat">The special categories shared (always empty).</param>
/// <param name="Event">granted, narrowed, revoked, relinquished or expired.</param>
/// <param name="EventVersion">The grant stream's version after the event.</param>
/// <param name="GrantId">The grant the receipt is about.</param>
/// <param name="RequestId">The vendor's request that the grant answered; absent for a grant the customer made on her own initiative.</param>
/// <param name="Status">The grant's status after the event.</param>
/// <param name="Scopes">The data scopes the grant covers after the event.</param>
/// <param name="ExpiresAt">When the grant ends (ISO 8601).</param>
/// <param name="ContactTerms">How and how often the vendor may contact her; absent when it may not.</param>
/// <param name="RequestText">The purpose as the vendor described it to her.</param>
/// <param name="EndReason">Why the grant ended, when it did.</param>
public sealed record ConsentReceipt(
    string Iss, string? Sub, string Jti, long Iat, string Version, string Jurisdiction, long ConsentTimestamp, string CollectionMethod,
    string ConsentReceiptID, string Language, string? PiiPrincipalId, IReadOnlyList<ReceiptController> PiiControllers, string? PolicyUrl,
    IReadOnlyList<ReceiptService> Services, bool Sensitive, IReadOnlyList<string> SpiCat, string Event, long EventVersion, string GrantId,
    string? RequestId, string Status, IReadOnlyList<string> Scopes, string ExpiresAt, ContactTerms? ContactTerms, string RequestText, string? EndReason)
{
    /// <summary>How a receipt is written for signing: every member, absent ones as null, in declaration order.</summary>
    public static readonly JsonSerializerOptions SigningOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Encoder = JavaScriptEncoder.Default,
    };
}

/// <param name="PiiController">The vendor's name.</param>
/// <param name="Contact">Whom to contact about the data (the vendor's privacy contact).</param>
/// <param name="Email">The vendor's privacy contact e-mail address.</param>
/// <param name="Url">The vendor's website.</param>
public sealed record ReceiptController(string PiiController, string? Contact, string? Email, string? Url);

/// <param name="Service">The vendor's service.</param>
/// <param name="Purposes">What the data is for.</param>
public sealed record ReceiptService(string Service, IReadOnlyList<ReceiptPurpose> Purposes);

/// <param name="Purpose">The purpose as the vendor described it.</param>
/// <param name="PurposeCategory">The purpose's category (marketing, service, research, ...).</param>
/// <param name="ConsentType">Always EXPLICIT: the customer decided herself.</param>
/// <param name="PiiCategory">The data scopes shared.</param>
/// <param name="PrimaryPurpose">Whether this is the service's primary purpose.</param>
/// <param name="Termination">When the consent ends (ISO 8601).</param>
/// <param name="ThirdPartyDisclosure">Whether the vendor may pass the data on (never).</param>
public sealed record ReceiptPurpose(
    string Purpose, IReadOnlyList<string> PurposeCategory, string ConsentType, IReadOnlyList<string> PiiCategory, bool PrimaryPurpose,
    string Termination, bool ThirdPartyDisclosure);
