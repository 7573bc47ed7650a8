using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CustomerVault.Connections;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using CustomerVault.Profiles;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace CustomerVault.Consents;

/// <param name="CustomerId">Your id for the customer: the sub of her sign-in to you, or what redeeming her connection code returned.</param>
/// <param name="Scopes">Data scopes of the catalogue, within the vendor's registered ceiling.</param>
/// <param name="Purpose">service-delivery, marketing, analytics, research or legal-obligation.</param>
/// <param name="Description">What the data will be used for, in words the customer reads before she decides.</param>
/// <param name="Duration">How long access is wanted, ISO 8601 (e.g. P6M), counted from the approval; at most the purpose's longest duration (Vault:Consents:MaxDuration: P12M for marketing and analytics, P24M otherwise, by default). A longer one is refused (400 naming duration), never shortened.</param>
/// <param name="ContactTerms">How the vendor wants to contact the customer, if at all.</param>
/// <param name="ExtendsGrantId">An active grant of yours with her, for the same purpose, that approving changes (scopes, contact terms, a new end) instead of starting another.</param>
public sealed record AccessRequestBody(
    Guid CustomerId, IReadOnlyList<string>? Scopes, string? Purpose, string? Description, string? Duration, ContactTerms? ContactTerms,
    Guid? ExtendsGrantId = null);

/// <summary>What an Idempotency-Key stood for: the request it created and the answer given, replayed on a retry.</summary>
public sealed record IdempotencyRecord(string Id, string BodyHash, Guid RequestId, string Response, DateTimeOffset CreatedAt);

/// <param name="Durations">The longest a grant may run, per purpose (<see cref="ConsentOptions.MaxDuration"/>).</param>
/// <param name="Extending">The grant <paramref name="ExtendsGrantId"/> names, as the vault has it (null when there is none).</param>
public sealed record RequestAccess(
    Guid RequestId, Guid VendorId, IReadOnlyList<string> VendorScopeCeiling, Guid CustomerId, IReadOnlyList<string>? Scopes,
    string? Purpose, string? Description, string? Duration, ContactTerms? ContactTerms, TimeSpan AnswerWithin, DateTimeOffset Now,
    GrantDurations Durations, Guid? ExtendsGrantId = null, Grant? Extending = null);

public static partial class AccessRequestDecider
{
    private const string NotTheVendorsGrant = "is not an active grant of yours with this customer.";

    public static AccessRequested Decide(RequestAccess command)
    {
        var errors = ValidateTerms(command);
        if (command.Extending is { } extending && extending.CustomerId != command.CustomerId)
        {
            errors.Add("extendsGrantId", NotTheVendorsGrant);
        }

        errors.ThrowIfInvalid();
        return new AccessRequested(
            command.RequestId, command.VendorId, command.CustomerId, command.Scopes!, command.Purpose!, command.Description!.Trim(),
            command.Duration!, command.ContactTerms, command.Now, command.Now + command.AnswerWithin, command.ExtendsGrantId);
    }

    /// <summary>
    /// What is wrong with the terms a vendor asks on, by field: its scope ceiling, the purpose, the description, the
    /// duration, contact terms, and the grant it would extend. Also checked before the customer is known (a pushed
    /// authorization request): that the grant to extend is hers is checked when she answers.
    /// </summary>
    public static ValidationContext ValidateTerms(RequestAccess command)
    {
        var errors = new ValidationContext(DateOnly.FromDateTime(command.Now.UtcDateTime));
        ScopeRules.Validate(command.Scopes, "scopes", errors, command.VendorScopeCeiling, "the scopes this vendor is registered for");
        if (!Purposes.IsKnown(command.Purpose))
        {
            errors.Add("purpose", $"must be one of {string.Join(", ", Purposes.All)}.");
        }

        if (string.IsNullOrWhiteSpace(command.Description) || command.Description.Length > MaxDescriptionLength)
        {
            errors.Add("description", $"must say, in 1 to {MaxDescriptionLength} characters, what the data will be used for.");
        }

        if (!IsoDuration.TryParse(command.Duration, out var duration))
        {
            errors.Add("duration", "must be an ISO 8601 duration such as P6M or P1Y.");
        }
        else if (!duration.IsAcceptableFrom(command.Now))
        {
            errors.Add("duration", "must be longer than nothing and at most two years (P2Y).");
        }
        else if (Purposes.IsKnown(command.Purpose) && duration.AddTo(command.Now) > command.Durations.LatestEnd(command.Purpose!, command.Now))
        {
            // Refused, not shortened: the vendor learns the rule now, and she never sees terms it did not ask for.
            errors.Add("duration", $"must be at most {command.Durations.Describe(command.Purpose!)}: the longest a {command.Purpose} grant may run.");
        }

        ContactTerms.Validate(command.ContactTerms, "contactTerms", errors);
        if (command.ExtendsGrantId is not null)
        {
            if (command.Extending is not { } grant || grant.VendorId != command.VendorId || !grant.IsActiveAt(command.Now))
            {
                errors.Add("extendsGrantId", NotTheVendorsGrant);
            }
            else if (grant.Purpose != command.Purpose)
            {
                // Purpose limitation: a grant serves one purpose for its whole life.
                errors.Add("extendsGrantId", $"is a grant for {grant.Purpose}; an extension keeps the purpose.");
            }
        }

        return errors;
    }
}

/// <summary>A vendor asks a customer for access to some of her data, for a purpose and a time.</summary>
public static class RequestAccessHandler
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static RouteHandlerBuilder MapRequestAccess(this IEndpointRouteBuilder vendor) =>
        vendor.MapPost("/access-requests", Handle)
            .WithName("RequestAccess")
            .WithSummary("Ask a customer for access to some of her data, for a purpose and a time")
            .WithDescription("Send an Idempotency-Key header to retry safely: the same key with the same body gives the same answer; "
                             + "the same key with another body is refused with 422.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static async Task<Results<Created<AccessRequestView>, ContentHttpResult, ProblemHttpResult>> Handle(
        AccessRequestBody body, [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey, CallingVendor vendor, HttpResponse httpResponse,
        IDocumentSession session, TimeProvider clock, IOptions<ConsentOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
        CancellationToken cancellationToken)
    {
        if (idempotencyKey is { Length: 0 or > 200 })
        {
            throw RequestValidationException.For(IdempotencyKeyHeader, "must be 1 to 200 characters.");
        }

        // The vendor names her by its own id for her; from here on she is who the vault knows.
        var customerId = await PairwiseIds.CustomerOfAsync(session, vendor.Id, body.CustomerId, cancellationToken);

        // Requests to one customer are serialised: the pending caps and the idempotency check hold under races.
        await session.BeginTransactionAsync(cancellationToken);
        await ConsentCaps.LockRequestsAsync(session, customerId, cancellationToken);

        var bodyHash = Convert.ToHexString(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(body)));
        var recordId = idempotencyKey is null ? null : $"{vendor.Id:N}:{idempotencyKey}";
        if (recordId is not null && await session.LoadAsync<IdempotencyRecord>(recordId, cancellationToken) is { } earlier)
        {
            if (earlier.BodyHash == bodyHash)
            {
                httpResponse.Headers.Location = $"/v1/access-requests/{earlier.RequestId}";
                return TypedResults.Content(earlier.Response, "application/json", Encoding.UTF8, StatusCodes.Status201Created);
            }

            return TypedResults.Problem(statusCode: StatusCodes.Status422UnprocessableEntity, title: "The Idempotency-Key was used for another request.",
                    detail: "This key already stands for a request with a different body. Use a new key for a new request.");
        }

        var customer = await session.LoadAsync<Profile>(customerId, cancellationToken) ?? throw new UnknownCustomerException();
        var extending = body.ExtendsGrantId is { } grantId ? await session.LoadAsync<Grant>(grantId, cancellationToken) : null;
        if (customer.ErasedAt is not null)
        {
            throw new CustomerErasedException(body.CustomerId);
        }

        var now = clock.Now();
        ConsentCaps.EnsureRoom(await ConsentCaps.RequestRoomAsync(session, customerId, vendor.Id, now, cancellationToken), options.Value, now);

        var requested = AccessRequestDecider.Decide(new RequestAccess(
            Guid.CreateVersion7(), vendor.Id, vendor.Vendor.Scopes, customerId, body.Scopes, body.Purpose, body.Description,
            body.Duration, body.ContactTerms, options.Value.RequestLifetime, now, options.Value.Durations(), body.ExtendsGrantId, extending));
        session.Events.StartStream<AccessRequest>(requested.RequestId, requested);

        var view = AccessRequestView.Of(AccessRequest.Create(requested), vendor.Vendor, body.CustomerId, now);
        if (recordId is not null)
        {
            // Stored as it is sent, so a retry gets the very same bytes.
            var response = JsonSerializer.Serialize(view, json.Value.SerializerOptions);
            session.Insert(new IdempotencyRecord(recordId, bodyHash, requested.RequestId, response, now));
        }

        await session.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/v1/access-requests/{requested.RequestId}", view);
    }
}
