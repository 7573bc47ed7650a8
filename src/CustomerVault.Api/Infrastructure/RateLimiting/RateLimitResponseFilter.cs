using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CustomerVault.Infrastructure.RateLimiting;

/// <summary>Declares the 429 answer, with its headers, on every operation under a rate limit.</summary>
public sealed class RateLimitResponseFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (!context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<EnableRateLimitingAttribute>().Any())
        {
            return;
        }

        operation.Responses ??= new OpenApiResponses();
        if (!operation.Responses.TryGetValue("429", out var declared) || declared is not OpenApiResponse response)
        {
            response = new OpenApiResponse
            {
                Description = "Too many requests: wait for Retry-After seconds.",
                Content = new Dictionary<string, IOpenApiMediaType>
                {
                    ["application/problem+json"] = new OpenApiMediaType { Schema = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository) },
                },
            };
            operation.Responses["429"] = response;
        }

        response.Headers ??= new Dictionary<string, IOpenApiHeader>();
        response.Headers["Retry-After"] = Header("Seconds to wait before the next request can succeed.", JsonSchemaType.Integer);
        response.Headers["RateLimit-Policy"] = Header("The quota that was reached (draft-ietf-httpapi-ratelimit-headers): \"name\";q=requests;w=seconds.", JsonSchemaType.String);
        response.Headers["RateLimit"] = Header("What is left of it (draft-ietf-httpapi-ratelimit-headers): \"name\";r=remaining;t=seconds.", JsonSchemaType.String);
    }

    private static OpenApiHeader Header(string description, JsonSchemaType type) => new()
    {
        Description = description,
        Schema = new OpenApiSchema { Type = type },
    };
}
