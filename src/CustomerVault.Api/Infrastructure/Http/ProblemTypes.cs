using System.Text;
using System.Text.Encodings.Web;
using CustomerVault.Identity;
using Microsoft.AspNetCore.Mvc;

namespace CustomerVault.Infrastructure.Http;

/// <summary>One kind of problem the API answers with: its <c>type</c> URI is <c>{issuer}problems/{Name}</c>, a page that describes it.</summary>
/// <param name="Name">The last segment of the type URI.</param>
/// <param name="Status">The HTTP status it comes with.</param>
/// <param name="Title">The problem's title as the API sends it (or its usual one where titles vary).</param>
/// <param name="Meaning">What happened, for the page and the OpenAPI document.</param>
/// <param name="Remedy">What the caller should do next.</param>
/// <param name="ExampleDetail">A typical <c>detail</c>, for examples.</param>
public sealed record ProblemType(string Name, int Status, string Title, string Meaning, string Remedy, string ExampleDetail)
{
    /// <summary>The absolute type URI under this vault's issuer: stable, and it resolves to the page describing the problem.</summary>
    public string Uri(VaultIssuer issuer) => $"{issuer.Value}problems/{Name}";
}

/// <summary>
/// The problem types of the API (RFC 9457 section 3.1.1). Handlers only choose a status; the type follows from it (and
/// from the cap or limit a problem names), so every problem the API sends has a type that a client can switch on and a
/// person can look up.
/// </summary>
public static class ProblemTypes
{
    public const string PathPrefix = "/problems";

    public static readonly ProblemType InvalidRequest = new("invalid-request", 400, "The request is not valid.",
        "A parameter, header or body field breaks an input rule, or the body is not readable JSON. `errors` names each field and what is wrong with it.",
        "Correct the named fields and send the request again.", "See errors: each names the field and what is wrong with it.");
    public static readonly ProblemType Unauthenticated = new("unauthenticated", 401, "Unauthorized",
        "The request carries no access token, or one that is invalid or expired.",
        "Get a token from the token endpoint (client credentials, or authorization code with PKCE for a customer app) and send it as `Authorization: Bearer ...`.",
        "No access token, or an invalid or expired one.");
    public static readonly ProblemType Forbidden = new("forbidden", 403, "Forbidden",
        "The token is valid but does not admit this call: it is another kind of party's, lacks the scope, the vendor is suspended, or the grant does not cover the read.",
        "Use a token of the right party with the scope the operation names; for a vendor read, ask the customer for access first.",
        "The token is not a vendor's, or lacks the vault.access scope.");
    public static readonly ProblemType NotFound = new("not-found", 404, "No such grant.",
        "The resource does not exist, or it belongs to another party: the API answers both alike, so it never tells who else has what.",
        "Check the id; list your own resources to find it.", "No grant with this id is yours.");
    public static readonly ProblemType Conflict = new("conflict", 409, "The request conflicts with the current state.",
        "The resource's state does not allow the change (a request already answered, a grant already ended), or a concurrent change won. `currentState` names the state when there is one.",
        "Read the resource again and decide whether the change still makes sense.", "The request is approved; only a pending request can be approved.");
    public static readonly ProblemType CapReached = new("cap-reached", 409, "Too many active grants.",
        "A cap on what a customer holds at once is reached: `cap` names it, `limit` is its size and `current` the count now. As 409 only a change of state makes room (end a grant); as 429 time does (pending requests are answered or expire) and `Retry-After` says when.",
        "End something first, or wait Retry-After seconds.", "This vendor already has 20 active grants with this customer.");
    public static readonly ProblemType CustomerErased = new("customer-erased", 410, "This customer erased her account.",
        "The customer erased her account: her data was destroyed at her request, and nothing of it can be read or changed.",
        "Stop processing her data and remove your copies; do not retry.", "Her data was destroyed at her request; nothing of it can be read or changed.");
    public static readonly ProblemType StaleVersion = new("stale-version", 412, "The resource has changed.",
        "The `If-Match` entity tag is not the resource's current version: someone changed it since you read it.",
        "Read the resource again (its `ETag` is the new version), reapply your change and send it with the new `If-Match`.",
        "The If-Match version is not the current one. Read the resource again and reapply your change.");
    public static readonly ProblemType TooLarge = new("too-large", 413, "The request could not be read.",
        "The body is larger than the operation accepts.", "Send a smaller body.", "A profile patch is at most 65536 bytes.");
    public static readonly ProblemType UnsupportedMediaType = new("unsupported-media-type", 415, "The request could not be read.",
        "The body's `Content-Type` is not one the operation accepts.", "Send the media type the operation declares (e.g. application/merge-patch+json for a profile patch).",
        "Send the patch as application/merge-patch+json.");
    public static readonly ProblemType IdempotencyKeyReused = new("idempotency-key-reused", 422, "The Idempotency-Key was used for another request.",
        "The `Idempotency-Key` was sent before with a different body; a key stands for one request only.",
        "Use a new key for a new request; resend the same body to repeat the old one.", "This key was first sent with another body.");
    public static readonly ProblemType TooManyRequests = new("too-many-requests", 429, "Too many requests.",
        "The caller's rate limit is spent. `limit` names it; `Retry-After`, `RateLimit-Policy` and `RateLimit` say how long to wait and what the quota is.",
        "Wait Retry-After seconds, then keep to a steady pace.", "Each client may make 3000 such requests per minute. Try again in 1 s.");
    public static readonly ProblemType InternalError = new("internal-error", 500, "An error occurred while processing your request.",
        "The vault failed in a way it did not foresee. Nothing was half-written: a change is either stored whole or not at all.",
        "Retry later; if it persists, report the traceId to the operator.", "An error occurred while processing your request.");
    public static readonly ProblemType Unavailable = new("unavailable", 503, "The database is unavailable.",
        "The vault cannot reach its database just now, or could not record a read before releasing data. `Retry-After` says when to try again.",
        "Wait Retry-After seconds and retry; a write may have been stored, so resend it with the same Idempotency-Key or read first.",
        "The vault cannot reach its database. Try again shortly.");

    public static readonly IReadOnlyList<ProblemType> All =
    [
        InvalidRequest, Unauthenticated, Forbidden, NotFound, Conflict, CapReached, CustomerErased, StaleVersion, TooLarge,
        UnsupportedMediaType, IdempotencyKeyReused, TooManyRequests, InternalError, Unavailable,
    ];

    /// <summary>The type of a problem with this status (and, for caps, the cap it names).</summary>
    public static ProblemType For(int status, bool namesCap) => namesCap ? CapReached : status switch
    {
        400 => InvalidRequest,
        401 => Unauthenticated,
        403 => Forbidden,
        404 => NotFound,
        409 => Conflict,
        410 => CustomerErased,
        412 => StaleVersion,
        413 => TooLarge,
        415 => UnsupportedMediaType,
        422 => IdempotencyKeyReused,
        429 => TooManyRequests,
        503 => Unavailable,
        _ => InternalError,
    };

    /// <summary>The types a response with this status can carry, for the OpenAPI document's examples.</summary>
    public static IEnumerable<ProblemType> WithStatus(int status) =>
        All.Where(t => t.Status == status || (t == CapReached && status == 429));

    /// <summary>Gives a problem its type URI unless its code chose one (replacing ASP.NET Core's default RFC 9110 links).</summary>
    public static void Apply(ProblemDetails problem, HttpContext context)
    {
        if (problem.Type is null || problem.Type.StartsWith("https://tools.ietf.org/", StringComparison.Ordinal))
        {
            var status = problem.Status ?? context.Response.StatusCode;
            problem.Type = For(status, problem.Extensions.ContainsKey("cap")).Uri(context.RequestServices.GetRequiredService<VaultIssuer>());
        }
    }

    /// <summary>The pages the type URIs resolve to: an index, and one page per type.</summary>
    public static IEndpointRouteBuilder MapProblemTypes(this IEndpointRouteBuilder app)
    {
        var pages = app.MapGroup(PathPrefix).ExcludeFromDescription().AllowAnonymous();
        pages.MapGet("", () => Results.Content(Page("Problem types", Index()), "text/html; charset=utf-8"));
        pages.MapGet("/{name}", (string name) => All.FirstOrDefault(t => t.Name == name) is { } type
            ? Results.Content(Page(type.Name, Describe(type)), "text/html; charset=utf-8")
            : Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such problem type."));
        return app;
    }

    private static string Index()
    {
        var html = new StringBuilder("<h1>Problem types</h1><p>Every error of the CustomerVault API is an RFC 9457 problem document whose <code>type</code> is one of these.</p><ul>");
        foreach (var type in All)
        {
            html.Append($"<li><a href=\"{PathPrefix}/{type.Name}\">{type.Name}</a> ({type.Status}): {Encode(type.Meaning)}</li>");
        }

        return html.Append("</ul>").ToString();
    }

    private static string Describe(ProblemType type) =>
        $"<h1>{type.Name}</h1><p>HTTP status <strong>{type.Status}</strong>, <code>application/problem+json</code>.</p>"
        + $"<h2>What happened</h2><p>{Encode(type.Meaning)}</p><h2>What to do</h2><p>{Encode(type.Remedy)}</p>"
        + $"<h2>Example</h2><pre>{Encode($"{{\"type\": \".../problems/{type.Name}\", \"title\": \"{type.Title}\", \"status\": {type.Status}, \"detail\": \"{type.ExampleDetail}\"}}")}</pre>"
        + $"<p><a href=\"{PathPrefix}\">All problem types</a></p>";

    private static string Page(string title, string body) =>
        $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{Encode(title)}: CustomerVault problem type</title></head><body>{body}</body></html>";

    private static string Encode(string text) => HtmlEncoder.Default.Encode(text).Replace("`", "", StringComparison.Ordinal);
}
