using CustomerVault.Infrastructure;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomerVault.Identity;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace CustomerVault.Profiles;

/// <summary>What a patch changes: new values by attribute name (null clears), and what was wrong with it.</summary>
public sealed record ProfilePlan(JsonObject Result, IReadOnlyDictionary<string, JsonNode?> Changes, ValidationContext Validation);

public static class PatchProfile
{
    /// <summary>
    /// Applies a merge patch to the customer's current document and checks every attribute it changes
    /// against the catalogue. Attributes the patch does not touch are neither validated nor rewritten.
    /// </summary>
    public static ProfilePlan Plan(JsonObject current, JsonNode? patch, DateOnly today)
    {
        var validation = new ValidationContext(today);
        var changes = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        if (patch is not JsonObject)
        {
            validation.Add("body", "must be a JSON object shaped like the profile, e.g. {\"contact\": {\"email\": \"ada@example.org\"}}.");
            return new ProfilePlan(current, changes, validation);
        }

        CheckText(patch, "", validation);
        if (validation.HasErrors)
        {
            return new ProfilePlan(current, changes, validation);
        }

        var result = (JsonObject)MergePatch.Apply(current, patch)!;
        foreach (var (groupName, groupNode) in result)
        {
            if (!Catalog.Groups.Contains(groupName))
            {
                validation.Add(groupName, $"is not part of the profile; its groups are {string.Join(", ", Catalog.Groups)}.");
                continue;
            }

            if (groupNode is not JsonObject group)
            {
                validation.Add(groupName, "must be an object of attributes.");
                continue;
            }

            foreach (var (field, value) in group)
            {
                var name = $"{groupName}.{field}";
                var definition = Catalog.Find(name);
                if (definition is null)
                {
                    validation.Add(name, "is not an attribute of the catalogue (GET /v1/catalog lists them).");
                }
                else if (!JsonNode.DeepEquals(ValueOf(current, definition), value))
                {
                    definition.Validate(value!, validation);
                    changes[name] = value;
                }
            }
        }

        foreach (var definition in Catalog.Attributes)
        {
            if (ValueOf(current, definition) is not null && ValueOf(result, definition) is null)
            {
                changes[definition.Name] = null;
            }
        }

        return new ProfilePlan(result, changes, validation);
    }

    /// <summary>
    /// Every string of the patch, member names included, must be text (<see cref="FreeText"/>). A member or value with
    /// an escaped lone surrogate cannot even be read as a string, so this runs before anything else reads the patch.
    /// </summary>
    private static void CheckText(JsonNode patch, string path, ValidationContext validation)
    {
        try
        {
            foreach (var (at, text) in Strings(patch, path))
            {
                if (FreeText.Flaw(text) is { } flaw)
                {
                    validation.Add(at.Length == 0 ? "body" : at, flaw);
                }
            }
        }
        catch (InvalidOperationException)
        {
            validation.Add("body", "holds a string that is not valid Unicode text (an unpaired surrogate).");
        }
    }

    private static IEnumerable<(string Path, string Text)> Strings(JsonNode? node, string path)
    {
        switch (node)
        {
            case JsonObject members:
                foreach (var (name, value) in members)
                {
                    var at = path.Length == 0 ? name : $"{path}.{name}";
                    yield return (at, name);
                    foreach (var inner in Strings(value, at))
                    {
                        yield return inner;
                    }
                }

                break;
            case JsonArray items:
                for (var i = 0; i < items.Count; i++)
                {
                    foreach (var inner in Strings(items[i], $"{path}[{i}]"))
                    {
                        yield return inner;
                    }
                }

                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                yield return (path, value.GetValue<string>());
                break;
        }
    }

    private static JsonNode? ValueOf(JsonObject document, AttributeDefinition definition) =>
        (document[definition.Group] as JsonObject)?[definition.Field];

    /// <summary>The events that record a plan's changes, each value sealed for its attribute.</summary>
    public static IReadOnlyList<object> Decide(Guid customerId, IReadOnlyDictionary<string, JsonNode?> changes, Func<string, string, string> seal, DateTimeOffset now) =>
        changes.OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => c.Value is null
                ? (object)new ProfileAttributeCleared(customerId, c.Key, now)
                : new ProfileAttributeSet(customerId, c.Key, seal(c.Key, c.Value.ToJsonString(ValueJson.Options)), now))
            .ToList();

    public static RouteHandlerBuilder MapPatchProfile(this IEndpointRouteBuilder me) =>
        me.MapPatch("/profile", Handle)
            .WithName("PatchMyProfile")
            .WithSummary("Change some attributes of your profile (JSON Merge Patch, RFC 7396)")
            .WithDescription("Members set to null are cleared; members left out stay as they are. Send If-Match with the ETag you read to refuse the change when the profile changed since (412).")
            .Accepts<ProfileDocument>(MergePatch.MediaType, "application/json")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .RequireAuthorization(VaultPolicies.Customer(VaultScopes.Profile));

    private static async Task<Results<Ok<ProfileDocument>, ProblemHttpResult>> Handle(
        HttpRequest request, HttpResponse response, CustomerPrincipal customer, IDocumentSession session, CustomerKeyring keyring, TimeProvider clock, CancellationToken cancellationToken)
    {
        var patch = await ReadMergePatchAsync(request, cancellationToken);
        if (await ApplyAsync(session, keyring, customer.Id, patch, ETag.ExpectedVersion(request), clock.Now(), cancellationToken) is not { } changed)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "This account has no profile in the vault.");
        }

        ETag.Set(response, changed.Version);
        return TypedResults.Ok(ProfileDocument.From(changed.Document));
    }

    /// <summary>
    /// Applies a merge patch to the customer's profile (the portal runs this too): the document and version after it,
    /// or null when she has no profile. Invalid values fail with the fields named; a stale version with a concurrency error.
    /// </summary>
    public static async Task<(JsonObject Document, long Version)?> ApplyAsync(
        IDocumentSession session, CustomerKeyring keyring, Guid customerId, JsonNode? patch, long? expectedVersion, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var stream = await session.FetchForWritingAsync<Profile>(customerId, expectedVersion, cancellationToken);
        var cipher = await keyring.OpenAsync(session, customerId, cancellationToken);
        if (stream.Aggregate is null || cipher is null)
        {
            return null;
        }

        var plan = Plan(ProfileDocument.Open(stream.Aggregate.Attributes, cipher), patch, DateOnly.FromDateTime(now.UtcDateTime));
        plan.Validation.ThrowIfInvalid();

        var events = Decide(customerId, plan.Changes, cipher.Seal, now);
        if (events.Count > 0)
        {
            stream.AppendMany(events);
            await session.SaveChangesAsync(cancellationToken);
        }

        return (plan.Result, stream.Aggregate.Version + events.Count);
    }

    private static async Task<JsonNode?> ReadMergePatchAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim();
        if (!string.Equals(mediaType, MergePatch.MediaType, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(mediaType, "application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new BadHttpRequestException($"Send the patch as {MergePatch.MediaType}.", StatusCodes.Status415UnsupportedMediaType);
        }

        try
        {
            // A member given twice means two things; refused as the API refuses it in every body.
            return await JsonNode.ParseAsync(request.Body, documentOptions: new JsonDocumentOptions { AllowDuplicateProperties = false },
                cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            throw RequestValidationException.For("body", $"is not valid JSON: {e.Message}");
        }
        catch (InvalidOperationException)
        {
            // Comparing member names for duplicates reads them, and a name with a lone surrogate cannot be read.
            throw RequestValidationException.For("body", "holds a member name that is not valid Unicode text (an unpaired surrogate).");
        }
    }
}
