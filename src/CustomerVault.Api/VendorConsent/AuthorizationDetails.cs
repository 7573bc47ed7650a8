using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using CustomerVault.Consents;

namespace CustomerVault.VendorConsent;

/// <summary>
/// Rich authorization requests (RFC 9396) of the one type the vault knows, <c>customervault_access</c>: what a vendor
/// asks for in its web flow, in the same terms and with the same member names as <c>POST /v1/access-requests</c>
/// (scopes, purpose, description, duration, contactTerms), and <c>grantId</c> for a grant to extend. The token
/// response gives them back as granted, with <c>grantId</c> naming the grant that the approval made or changed.
/// </summary>
public static class AuthorizationDetails
{
    public const string Parameter = "authorization_details";
    public const string Type = "customervault_access";
    public const string InvalidError = "invalid_authorization_details";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerOptions.Web) { UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow };

    /// <summary>The terms of the request's one <c>customervault_access</c> object; null with the reason when there is not exactly one well-formed.</summary>
    public static AccessTerms? Parse(string? parameter, out string? error)
    {
        error = null;
        JsonArray? details;
        try
        {
            details = JsonNode.Parse(parameter ?? "") as JsonArray;
        }
        catch (JsonException e)
        {
            error = $"{Parameter} is not JSON: {e.Message}";
            return null;
        }

        if (details is null || details.Count == 0)
        {
            error = $"{Parameter} must be a JSON array with one object of type {Type}.";
            return null;
        }

        if (details.FirstOrDefault(d => d is not JsonObject o || (o["type"] as JsonValue)?.GetValueKind() != JsonValueKind.String) is { } untyped)
        {
            error = $"{Parameter}[{details.IndexOf(untyped)}] must be an object with a type.";
            return null;
        }

        if (details.Select(d => (string)d!["type"]!).FirstOrDefault(t => t != Type) is { } unknown)
        {
            error = $"The type '{unknown}' is unknown; the vault knows only {Type}.";
            return null;
        }

        if (details.Count > 1)
        {
            error = $"{Parameter} must hold exactly one object of type {Type}.";
            return null;
        }

        try
        {
            var access = details[0].Deserialize<Access>(Json)!;
            return new AccessTerms(access.Scopes, access.Purpose, access.Description, access.Duration, access.ContactTerms, access.GrantId);
        }
        catch (JsonException e)
        {
            error = $"{Parameter}[0] is not a {Type} object: {e.Message}";
            return null;
        }
    }

    /// <summary>The vault's field names of a validation error, as the members of the vendor's authorization details.</summary>
    public static string Describe(IDictionary<string, string[]> errors) =>
        string.Join(" ", errors.Select(e => $"{Parameter}[0].{(e.Key == "extendsGrantId" ? "grantId" : e.Key)} {string.Join(" ", e.Value)}"));

    /// <summary>What she granted, as the token response carries it: the grant as her approval left it, on the request's terms.</summary>
    public static JsonArray Granted(AccessRequest request, Grant grant) =>
    [
        new JsonObject
        {
            ["type"] = Type,
            ["grantId"] = grant.Id.ToString(),
            ["scopes"] = new JsonArray(grant.Scopes.Select(s => (JsonNode?)s).ToArray()),
            ["purpose"] = grant.Purpose,
            ["description"] = grant.Description,
            ["duration"] = request.Duration,
            ["expiresAt"] = grant.ExpiresAt.ToString("O"),
            ["contactTerms"] = grant.ContactTerms is { } terms ? JsonSerializer.SerializeToNode(terms, JsonSerializerOptions.Web) : null,
        },
    ];

    // The members of a customervault_access object; anything else in it is refused, as RFC 9396 asks.
    private sealed record Access(
        string Type, IReadOnlyList<string>? Scopes, string? Purpose, string? Description, string? Duration, ContactTerms? ContactTerms, Guid? GrantId);
}
