using System.Net;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Contract;

public sealed class ProblemTypeTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task A_problem_names_its_type_as_a_URI_under_the_issuer_and_that_page_describes_it()
    {
        using var client = app.CreateApiClient();

        var unauthenticated = await client.GetAsync("/v1/me/grants");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
        var type = (string?)JsonNode.Parse(await unauthenticated.Content.ReadAsStringAsync())!["type"];
        Assert.Equal(VaultApp.Issuer + "problems/unauthenticated", type);

        var page = await client.GetAsync(new Uri(type!).AbsolutePath);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType!.MediaType);
        Assert.Contains("access token", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_problem_type_the_document_shows_resolves_to_a_page()
    {
        using var client = app.CreateApiClient();
        var document = JsonNode.Parse(await client.GetStringAsync("/openapi/v1.json"))!;

        var types = document.ToJsonString().Split('"').Where(s => s.StartsWith(VaultApp.Issuer + "problems/", StringComparison.Ordinal)).Distinct().ToList();
        Assert.True(types.Count >= 10, $"Only {types.Count} problem types in the document.");
        foreach (var type in types)
        {
            var page = await client.GetAsync(new Uri(type).AbsolutePath);
            Assert.True(page.StatusCode == HttpStatusCode.OK, $"{type} answers {page.StatusCode}.");
        }

        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/problems/no-such-type")).StatusCode);
    }

    [Fact]
    public async Task A_validation_problem_carries_the_invalid_request_type()
    {
        using var client = await app.AuditorAsync();

        var response = await client.GetAsync("/v1/audit/events?limit=0");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(VaultApp.Issuer + "problems/invalid-request", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["type"]);
    }
}
