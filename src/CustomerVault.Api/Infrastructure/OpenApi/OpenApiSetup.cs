using System.Reflection;
using System.Text.Json.Nodes;
using CustomerVault.Identity;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace CustomerVault.Infrastructure.OpenApi;

/// <summary>
/// The OpenAPI document, served at <c>/openapi/v1.json</c> and committed as <c>api-specs/customervault.v1.json</c>
/// (a test fails when the two differ). Swagger UI, in Development, signs in through the customer app's PKCE flow.
/// </summary>
public static class OpenApiSetup
{
    public const string DocumentName = "v1";
    public const string DocumentRoute = "/openapi/{documentName}.json";
    public const string SecurityScheme = "oauth2";

    public static IServiceCollection AddVaultOpenApi(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc(DocumentName, new OpenApiInfo
            {
                Title = "CustomerVault API",
                Version = "v1",
                Description = "A customer-managed relationship vault: customers keep their profile and decide which vendor sees which part of it, "
                              + "for what purpose and for how long. Errors are RFC 9457 problem documents.",
                License = new OpenApiLicense { Name = "Apache-2.0", Url = new Uri("https://www.apache.org/licenses/LICENSE-2.0") },
            });

            options.AddSecurityDefinition(SecurityScheme, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.OAuth2,
                Description = "Customers sign in through an app with authorization code + PKCE (S256); vendors, auditors and operators use client credentials.",
                Flows = new OpenApiOAuthFlows
                {
                    AuthorizationCode = new OpenApiOAuthFlow
                    {
                        AuthorizationUrl = new Uri("/connect/authorize", UriKind.Relative),
                        TokenUrl = new Uri("/connect/token", UriKind.Relative),
                        RefreshUrl = new Uri("/connect/token", UriKind.Relative),
                        Scopes = new Dictionary<string, string>
                        {
                            ["openid"] = "Sign in with OpenID Connect.",
                            ["offline_access"] = "Stay signed in (refresh tokens).",
                            [VaultScopes.Profile] = VaultScopes.Descriptions[VaultScopes.Profile],
                            [VaultScopes.Consents] = VaultScopes.Descriptions[VaultScopes.Consents],
                        },
                    },
                    ClientCredentials = new OpenApiOAuthFlow
                    {
                        TokenUrl = new Uri("/connect/token", UriKind.Relative),
                        Scopes = new Dictionary<string, string>
                        {
                            [VaultScopes.Access] = VaultScopes.Descriptions[VaultScopes.Access],
                            [VaultScopes.Audit] = VaultScopes.Descriptions[VaultScopes.Audit],
                            [VaultScopes.Admin] = VaultScopes.Descriptions[VaultScopes.Admin],
                        },
                    },
                },
            });

            options.OperationFilter<ScopeRequirementFilter>();
            options.OperationFilter<RateLimiting.RateLimitResponseFilter>();
            options.OperationFilter<BodyResponsesFilter>();
            options.OperationFilter<ContractOperationFilter>();
            options.DocumentFilter<VaultDocumentFilter>();
            options.SchemaFilter<ContractExamples>();
            options.SchemaFilter<PropertyDescriptions>();
            // The catalogue's examples are values of the attribute's own type: a string, an object or an array.
            options.MapType<JsonNode>(() => new OpenApiSchema { Description = "A JSON value of the attribute's type: a string, an object or an array." });
            options.SupportNonNullableReferenceTypes();
            options.IncludeXmlComments(Path.Combine(AppContext.BaseDirectory, $"{Assembly.GetExecutingAssembly().GetName().Name}.xml"));
        });
        return services;
    }

    public static WebApplication UseVaultOpenApi(this WebApplication app)
    {
        app.UseSwagger(options => options.RouteTemplate = DocumentRoute);
        if (app.Environment.IsDevelopment())
        {
            app.UseSwaggerUI(options =>
            {
                options.SwaggerEndpoint($"/openapi/{DocumentName}.json", "CustomerVault API v1");
                options.OAuthClientId(ClientRegistrations.SwaggerUiClientId(app.Configuration));
                options.OAuthUsePkce();
                options.OAuthScopes("openid", VaultScopes.Profile, VaultScopes.Consents);
            });
        }

        return app;
    }
}

/// <summary>States each endpoint's scope, and its 401 and 403 answers, from the policy it requires.</summary>
public sealed class ScopeRequirementFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        var policies = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>()
            .Select(a => a.Policy)
            .OfType<string>()
            .ToList();
        if (policies.Count == 0)
        {
            return;
        }

        // Policy names read "{actorType}:{scope}".
        var scopes = policies.Select(p => p[(p.IndexOf(':', StringComparison.Ordinal) + 1)..]).Distinct().ToList();
        operation.Security =
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OpenApiSetup.SecurityScheme, context.Document)] = scopes },
        ];

        var problem = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository);
        var parties = string.Join(" or ", policies.Select(p => p[..p.IndexOf(':', StringComparison.Ordinal)]).Distinct());
        operation.Responses ??= new OpenApiResponses();
        operation.Responses.TryAdd("401", ProblemResponse("No access token, or an invalid or expired one.", problem));
        operation.Responses.TryAdd("403", ProblemResponse($"The token is not a {parties}'s, or lacks the {string.Join(", ", scopes)} scope.", problem));
    }

    internal static OpenApiResponse ProblemResponse(string description, IOpenApiSchema schema) => new()
    {
        Description = description,
        Content = new Dictionary<string, IOpenApiMediaType> { ["application/problem+json"] = new OpenApiMediaType { Schema = schema } },
    };
}

/// <summary>States what any operation that reads a body can answer besides its own outcomes: 400, 413 and 415.</summary>
public sealed class BodyResponsesFilter : IOperationFilter
{
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        if (operation.RequestBody is null)
        {
            return;
        }

        var problem = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository);
        var invalid = context.SchemaGenerator.GenerateSchema(typeof(HttpValidationProblemDetails), context.SchemaRepository);
        operation.Responses ??= new OpenApiResponses();
        operation.Responses.TryAdd("400", ScopeRequirementFilter.ProblemResponse(
            "The body is not valid: not JSON, an unknown member, a wrong type, or a value that breaks a rule; errors name each member.", invalid));
        operation.Responses.TryAdd("413", ScopeRequirementFilter.ProblemResponse(
            $"The body is larger than {Http.WebSetup.MaxRequestBodyBytes / 1024} KiB, however it was sent.", problem));
        operation.Responses.TryAdd("415", ScopeRequirementFilter.ProblemResponse("The body is not JSON (send Content-Type: application/json).", problem));
    }
}
