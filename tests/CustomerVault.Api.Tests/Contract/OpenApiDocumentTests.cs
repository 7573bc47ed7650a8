using System.Text.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Contract;

/// <summary>The vault that serves the committed document: its issuer is the one the document names as server.</summary>
public sealed class ContractVaultApp : VaultApp
{
    public const string ContractIssuer = "https://vault.customervault.example/";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?> { ["Vault:Tokens:Issuer"] = ContractIssuer };
}

public sealed class OpenApiDocumentTests(ContractVaultApp app) : IClassFixture<ContractVaultApp>
{
    private static readonly string CommittedPath = Path.Combine(Repository.Root, "api-specs", "customervault.v1.json");

    /// <summary>
    /// The committed contract is what the API serves. After an intended change, regenerate it with
    /// <c>UPDATE_API_SPEC=1 dotnet test --filter OpenApiDocumentTests</c> and review the diff.
    /// </summary>
    [Fact]
    public async Task The_served_document_is_the_committed_one()
    {
        using var client = app.CreateApiClient();
        var served = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;

        if (Environment.GetEnvironmentVariable("UPDATE_API_SPEC") == "1")
        {
            await File.WriteAllTextAsync(CommittedPath, served.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n");
        }

        Assert.True(File.Exists(CommittedPath), $"{CommittedPath} is missing; generate it with UPDATE_API_SPEC=1.");
        var committed = JsonNode.Parse(await File.ReadAllTextAsync(CommittedPath))!;
        Assert.True(JsonNode.DeepEquals(committed, served),
            $"The API serves a different OpenAPI document than {CommittedPath}. First difference: {FirstDifference(committed, served, "$")}. "
            + "If the change is intended, run UPDATE_API_SPEC=1 dotnet test --filter OpenApiDocumentTests and commit the file.");
    }

    [Fact]
    public async Task Every_protected_operation_names_its_scope_and_its_401_and_403()
    {
        using var client = app.CreateApiClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;

        var operations = document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(o => (Path: p.Key, Operation: o.Value!))).ToList();
        Assert.NotEmpty(operations);
        foreach (var (path, operation) in operations.Where(o => o.Operation["security"] is JsonArray { Count: > 0 }))
        {
            Assert.NotEmpty(operation["security"]![0]!["oauth2"]!.AsArray());
            Assert.NotNull(operation["responses"]!["401"]);
            Assert.NotNull(operation["responses"]!["403"]);
            Assert.StartsWith("/v1/", path);
        }

        Assert.Contains(operations, o => o.Path == "/v1/me/profile" && o.Operation["security"] is JsonArray { Count: > 0 });
        Assert.Equal(["/v1/catalog"], operations.Where(o => o.Operation["security"] is JsonArray { Count: 0 }).Select(o => o.Path));
    }

    [Fact]
    public async Task The_document_names_the_vault_as_server_and_its_OAuth_endpoints_absolutely()
    {
        using var client = app.CreateApiClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;

        Assert.Equal("https://vault.customervault.example", (string?)document["servers"]![0]!["url"]);
        var flows = document["components"]!["securitySchemes"]!["oauth2"]!["flows"]!;
        Assert.Equal(ContractVaultApp.ContractIssuer + "connect/token", (string?)flows["clientCredentials"]!["tokenUrl"]);
        Assert.Equal(ContractVaultApp.ContractIssuer + "connect/authorize", (string?)flows["authorizationCode"]!["authorizationUrl"]);
    }

    [Fact]
    public async Task Every_operation_parameter_and_tag_is_described_and_no_framework_type_leaks()
    {
        using var client = app.CreateApiClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;

        var operations = document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().Select(o => (Name: $"{o.Key} {p.Key}", Operation: o.Value!))).ToList();
        Assert.Empty(operations.Where(o => string.IsNullOrWhiteSpace((string?)o.Operation["description"])).Select(o => o.Name));
        Assert.Empty(operations.SelectMany(o => o.Operation["parameters"]?.AsArray() ?? [])
            .Where(p => string.IsNullOrWhiteSpace((string?)p!["description"])).Select(p => (string?)p!["name"]));
        Assert.Empty(document["tags"]!.AsArray().Where(t => string.IsNullOrWhiteSpace((string?)t!["description"])).Select(t => (string?)t!["name"]));
        var schemas = document["components"]!["schemas"]!.AsObject().Select(s => s.Key).ToList();
        Assert.DoesNotContain(schemas, s => s.StartsWith("Json", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Every_request_and_response_body_has_an_example()
    {
        using var client = app.CreateApiClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        var schemas = document["components"]!["schemas"]!;

        var media = document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject().SelectMany(o =>
            (o.Value!["requestBody"]?["content"]?.AsObject() ?? []).Concat(o.Value["responses"]!.AsObject()
                .Where(r => r.Key.StartsWith('2')).SelectMany(r => r.Value!["content"]?.AsObject() ?? []))
            .Select(m => (Name: $"{o.Key} {p.Key} {m.Key}", Media: m.Value!))));
        var missing = media.Where(m => m.Media["example"] is null && m.Media["examples"] is null
                                       && (m.Media["schema"]?["$ref"] is not { } reference || schemas[((string)reference!).Split('/')[^1]]!["example"] is null))
            .Select(m => m.Name);
        Assert.Empty(missing);
    }

    [Fact]
    public async Task Every_list_is_a_page_of_items_with_a_next_link()
    {
        using var client = app.CreateApiClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;
        var schemas = document["components"]!["schemas"]!;

        var bodies = document["paths"]!.AsObject().SelectMany(p => p.Value!.AsObject()
                .Select(o => (Name: $"{o.Key} {p.Key}", Schema: o.Value!["responses"]?["200"]?["content"]?["application/json"]?["schema"])))
            .Where(b => b.Schema is not null).ToList();
        Assert.Empty(bodies.Where(b => (string?)b.Schema!["type"] == "array").Select(b => b.Name));
        foreach (var page in schemas.AsObject().Where(s => s.Key.EndsWith("Page", StringComparison.Ordinal)))
        {
            Assert.Equal("array", (string?)page.Value!["properties"]!["items"]!["type"]);
            Assert.NotNull(page.Value["properties"]!["next"]);
        }
    }

    [Fact]
    public async Task Writes_that_can_be_stale_declare_If_Match_and_answer_with_an_ETag()
    {
        using var client = app.CreateApiClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;

        var approve = document["paths"]!["/v1/me/access-requests/{requestId}/approve"]!["post"]!;
        Assert.Contains(approve["parameters"]!.AsArray(), p => (string?)p!["name"] == "If-Match" && (string?)p["in"] == "header");
        Assert.NotNull(approve["responses"]!["200"]!["headers"]!["ETag"]);
        Assert.NotNull(document["paths"]!["/v1/me/grants/{grantId}"]!["get"]!["responses"]!["200"]!["headers"]!["ETag"]);
        Assert.NotNull(document["paths"]!["/v1/access-requests"]!["post"]!["responses"]!["201"]!["headers"]!["Location"]);
        Assert.Contains(document["paths"]!["/v1/access-requests"]!["post"]!["parameters"]!.AsArray(), p => (string?)p!["name"] == "Idempotency-Key");
        Assert.NotNull(document["components"]!["responses"]!["TooManyRequests"]!["headers"]!["Retry-After"]);
        Assert.NotNull(document["components"]!["responses"]!["ServiceUnavailable"]!["headers"]!["Retry-After"]);
    }

    private static string FirstDifference(JsonNode? expected, JsonNode? actual, string path)
    {
        if (expected is JsonObject e && actual is JsonObject a)
        {
            foreach (var key in e.Select(p => p.Key).Union(a.Select(p => p.Key)))
            {
                if (!JsonNode.DeepEquals(e[key], a[key]))
                {
                    return FirstDifference(e[key], a[key], $"{path}.{key}");
                }
            }
        }

        if (expected is JsonArray ea && actual is JsonArray aa && ea.Count == aa.Count)
        {
            for (var i = 0; i < ea.Count; i++)
            {
                if (!JsonNode.DeepEquals(ea[i], aa[i]))
                {
                    return FirstDifference(ea[i], aa[i], $"{path}[{i}]");
                }
            }
        }

        return $"{path}: committed {expected?.ToJsonString() ?? "nothing"}, served {actual?.ToJsonString() ?? "nothing"}";
    }
}
