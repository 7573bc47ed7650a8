using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CustomerVault.Infrastructure.RateLimiting;

/// <summary>Declares the 429 answer, with its headers, on every operation under a rate limit.</summary>
public sealed class RateLimitResponseFilter : IOperationFilter
{
    private const string ResponseName = "TooManyRequests";

    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (!context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            return;
        }

        // One shared response, referenced from every operation, so that the document (and a generated client) says it once.
        var components = context.Document.Components ??= new OpenApiComponents();
        components.Responses ??= new Dictionary<string, IOpenApiResponse>();
        if (!components.Responses.ContainsKey(ResponseName))
        {
            components.Responses[ResponseName] = new OpenApiResponse
            {
                Description = "Too many requests: a rate limit was reached (wait Retry-After seconds), or a cap on pending requests (see the problem's cap).",
                Content = new Dictionary<string, IOpenApiMediaType>
                {
                    ["application/problem+json"] = new OpenApiMediaType { Schema = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository) },
                },
                Headers = new Dictionary<string, IOpenApiHeader>
                {
                    ["Retry-After"] = Header("Seconds to wait before the next request can succeed.", JsonSchemaType.Integer),
                    ["RateLimit-Policy"] = Header("The quota that was reached (draft-ietf-httpapi-ratelimit-headers-10): \"name\";q=requests;w=seconds.", JsonSchemaType.String),
                    ["RateLimit"] = Header("What is left of it (draft-ietf-httpapi-ratelimit-headers-10): \"name\";r=remaining;t=seconds.", JsonSchemaType.String),
                },
            };
        }

        operation.Responses ??= new OpenApiResponses();
        operation.Responses["429"] = new OpenApiResponseReference(ResponseName, context.Document);
    }

    private static OpenApiHeader Header(string description, JsonSchemaType type) => new()
    {
        Description = description,
        Schema = new OpenApiSchema { Type = type },
    };
}
