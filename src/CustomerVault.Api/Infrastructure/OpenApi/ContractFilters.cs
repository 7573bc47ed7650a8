using System.Text.Json.Nodes;
using CustomerVault.Identity;
using CustomerVault.Infrastructure.Http;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CustomerVault.Infrastructure.OpenApi;

/// <summary>An operation answers with its resource's version in <c>ETag</c> (see <see cref="Http.ETag"/>).</summary>
public sealed class ETagMetadata
{
    public static readonly ETagMetadata Instance = new();
}

public static class ContractMetadata
{
    /// <summary>Declares that the operation's success answer carries the resource's version as <c>ETag</c>.</summary>
    public static RouteHandlerBuilder ProducesETag(this RouteHandlerBuilder builder) => builder.WithMetadata(ETagMetadata.Instance);
}

/// <summary>
/// What the document says about the vault as a whole: where it is (its issuer, never a request's Host), absolute OAuth
/// endpoints under it, whom to contact, and what each tag groups.
/// </summary>
public sealed class VaultDocumentFilter(VaultIssuer issuer) : IDocumentFilter
{
    public void Apply(OpenApiDocument document, DocumentFilterContext context)
    {
        document.Servers = [new OpenApiServer { Url = issuer.Value.TrimEnd('/'), Description = "This vault: its issuer (Vault:Tokens:Issuer)." }];
        document.Info.Contact = new OpenApiContact { Name = "CustomerVault operators", Url = new Uri(issuer.Uri, "problems") };

        if (document.Components?.SecuritySchemes?[OpenApiSetup.SecurityScheme] is OpenApiSecurityScheme { Flows: { } flows })
        {
            var authorize = new Uri(issuer.Uri, "connect/authorize");
            var token = new Uri(issuer.Uri, "connect/token");
            flows.AuthorizationCode!.AuthorizationUrl = authorize;
            flows.AuthorizationCode.TokenUrl = token;
            flows.AuthorizationCode.RefreshUrl = token;
            flows.ClientCredentials!.TokenUrl = token;
        }

        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
        {
            tag.Description = tag.Name is { } name && OperationDocs.Tags.TryGetValue(name, out var description)
                ? description
                : throw new InvalidOperationException($"The tag '{tag.Name}' has no description in {nameof(OperationDocs)}.{nameof(OperationDocs.Tags)}.");
        }
    }
}

/// <summary>
/// Completes each operation as a generated client needs it: public operations say so (<c>security: []</c>), headers
/// are declared (If-Match, ETag, Location, Retry-After), and every problem answer shows its problem types by example.
/// </summary>
public sealed class ContractOperationFilter(VaultIssuer issuer) : IOperationFilter
{
    private const string UnavailableResponse = "ServiceUnavailable";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var metadata = context.ApiDescription.ActionDescriptor.EndpointMetadata;
        var isPublic = !metadata.OfType<IAuthorizeData>().Any(a => a.Policy is not null);
        operation.Responses ??= new OpenApiResponses();

        if (isPublic)
        {
            operation.Security = [];
        }

        if (string.IsNullOrEmpty(operation.Description) && OperationDocs.Descriptions.TryGetValue(operation.OperationId ?? "", out var description))
        {
            operation.Description = description;
        }

        DescribeParameters(operation);

        // Every write that can be refused as stale takes If-Match and answers with the new version.
        var preconditioned = operation.Responses.ContainsKey("412");
        if (preconditioned)
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = "If-Match",
                In = ParameterLocation.Header,
                Description = "The resource's ETag as you last read it (e.g. \"3\"). The change is refused with 412 if the resource changed since; without it the change applies to whatever version is current.",
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                Example = JsonValue.Create("\"3\""),
            });
        }

        foreach (var (status, response) in operation.Responses)
        {
            if (response is not OpenApiResponse concrete)
            {
                continue;
            }

            if (status.StartsWith('2') && (preconditioned || metadata.OfType<ETagMetadata>().Any()))
            {
                AddHeader(concrete, "ETag", "The resource's version: send it back as If-Match to change the resource only if nobody changed it since.", "\"3\"");
            }

            if (status is "503" or "429" && concrete.Headers?.ContainsKey("Retry-After") != true)
            {
                AddHeader(concrete, "Retry-After", "Seconds to wait before retrying.", "2");
            }

            // Signed documents (application/jose) are compact JWS text.
            if (status.StartsWith('2') && concrete.Content?.TryGetValue("application/jose", out var jose) == true && jose is OpenApiMediaType { Example: null } signed)
            {
                signed.Example = JsonValue.Create("eyJhbGciOiJSUzI1NiIsImtpZCI6ImRvYy0xIiwidHlwIjoiY3VzdG9tZXJ2YXVsdC1leHBvcnQrand0In0.eyJmb3JtYXQiOiJjdXN0b21lcnZhdWx0LWV4cG9ydC92MiJ9.c2lnbmF0dXJl");
            }

            if (status == "201")
            {
                AddHeader(concrete, "Location", "Where the created resource can be read.", "/v1/access-requests/0193a1f2-7c4e-7d3a-9b1e-2f6a8c0d4e51");
            }

            if (concrete.Content?.TryGetValue("application/problem+json", out var problem) == true && problem is OpenApiMediaType media)
            {
                ShowProblemTypes(media, int.Parse(status, System.Globalization.CultureInfo.InvariantCulture), context.ApiDescription.RelativePath);
            }
        }

        if (!isPublic)
        {
            // Every protected operation reads or writes the store, which may be briefly unreachable.
            operation.Responses.TryAdd("503", SharedUnavailable(context));
        }
    }

    private static void DescribeParameters(OpenApiOperation operation)
    {
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            if (string.IsNullOrEmpty(parameter.Description) && parameter.Name is { } name && OperationDocs.Parameters.TryGetValue(name, out var doc))
            {
                parameter.Description = doc.Description;
                parameter.Example ??= doc.Example?.DeepClone();
            }
        }
    }

    private void ShowProblemTypes(OpenApiMediaType media, int status, string? path)
    {
        media.Examples ??= new Dictionary<string, IOpenApiExample>();
        foreach (var type in ProblemTypes.WithStatus(status))
        {
            var example = new JsonObject
            {
                ["type"] = type.Uri(issuer),
                ["title"] = type.Title,
                ["status"] = status,
                ["detail"] = type.ExampleDetail,
                ["instance"] = "/" + System.Text.RegularExpressions.Regex.Replace(path ?? "v1", @"\{(\w+):[^}]*\}", "{$1}"),
                ["traceId"] = "4bf92f3577b34da6a3ce929d0e0e4736",
            };
            if (type == ProblemTypes.InvalidRequest)
            {
                example["errors"] = new JsonObject { ["scopes"] = new JsonArray("must list at least one scope of the catalogue.") };
            }
            else if (type == ProblemTypes.CapReached)
            {
                example["cap"] = "activeGrantsPerVendor";
                example["limit"] = 20;
                example["current"] = 20;
            }

            media.Examples[type.Name] = new OpenApiExample { Summary = type.Title, Description = type.Meaning, Value = example };
        }
    }

    private static void AddHeader(OpenApiResponse response, string name, string description, string example)
    {
        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers[name] = new OpenApiHeader
        {
            Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            Example = JsonValue.Create(example),
        };
    }

    private OpenApiResponseReference SharedUnavailable(OperationFilterContext context)
    {
        var components = context.Document.Components ??= new OpenApiComponents();
        components.Responses ??= new Dictionary<string, IOpenApiResponse>();
        if (!components.Responses.ContainsKey(UnavailableResponse))
        {
            var media = new OpenApiMediaType { Schema = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository) };
            ShowProblemTypes(media, StatusCodes.Status503ServiceUnavailable, "v1/me/profile");
            components.Responses[UnavailableResponse] = new OpenApiResponse
            {
                Description = "The database is briefly unreachable: retry after Retry-After seconds.",
                Content = new Dictionary<string, IOpenApiMediaType> { ["application/problem+json"] = media },
                Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["Retry-After"] = new OpenApiHeader
                    {
                        Description = "Seconds to wait before retrying.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.Integer },
                        Example = JsonValue.Create(2),
                    },
                },
            };
        }

        return new OpenApiResponseReference(UnavailableResponse, context.Document);
    }
}
