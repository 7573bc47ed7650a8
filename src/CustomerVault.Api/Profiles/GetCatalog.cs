using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Profiles;

public sealed record CatalogDocument(IReadOnlyList<CatalogAttribute> Attributes, IReadOnlyList<DataScope> Scopes);

/// <param name="Name">The attribute's name; the part before the dot is its group in the profile document.</param>
/// <param name="Scope">The consent scope that covers this attribute.</param>
public sealed record CatalogAttribute(string Name, string Title, string Type, string Rule, string Scope, JsonNode Example);

public static class GetCatalog
{
    private static readonly CatalogDocument Document = new(
        Catalog.Attributes.Select(a => new CatalogAttribute(a.Name, a.Title, a.Type, a.Rule, a.Scope, a.Example)).ToList(),
        Catalog.Scopes);

    public static RouteHandlerBuilder MapGetCatalog(this IEndpointRouteBuilder v1) =>
        v1.MapGet("/catalog", Handle)
            .WithName("GetCatalog")
            .WithSummary("The attributes a profile can hold, and the scopes in which they are shared")
            .AllowAnonymous();

    private static Ok<CatalogDocument> Handle(HttpResponse response)
    {
        response.Headers.CacheControl = "public, max-age=3600";
        return TypedResults.Ok(Document);
    }
}
