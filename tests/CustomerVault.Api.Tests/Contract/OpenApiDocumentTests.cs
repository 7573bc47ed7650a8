using System.Text.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Contract;

public sealed class OpenApiDocumentTests(VaultApp app) : IClassFixture<VaultApp>
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
        foreach (var (path, operation) in operations.Where(o => o.Operation["security"] is not null))
        {
            Assert.NotEmpty(operation["security"]![0]!["oauth2"]!.AsArray());
            Assert.NotNull(operation["responses"]!["401"]);
            Assert.NotNull(operation["responses"]!["403"]);
            Assert.StartsWith("/v1/", path);
        }

        Assert.Contains(operations, o => o.Path == "/v1/me/profile" && o.Operation["security"] is not null);
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
