using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Profiles;

public sealed class ProfileEndpointTests(VaultApp app) : IClassFixture<VaultApp>
{
    [Fact]
    public async Task A_new_customer_finds_the_email_she_signed_up_with_in_her_profile()
    {
        var customer = await app.SignUpAsync();
        using var api = app.CreateApiClient(customer.AccessToken);

        var response = await api.GetAsync("/v1/me/profile");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"2\"", response.Headers.ETag!.Tag);
        var profile = await response.Content.ReadFromJsonAsync<JsonObject>();
        Assert.Equal(customer.Email, (string?)profile!["contact"]!["email"]);
    }

    [Fact]
    public async Task A_patch_sets_and_clears_only_the_attributes_it_names()
    {
        var customer = await app.SignUpAsync();
        using var api = app.CreateApiClient(customer.AccessToken);

        var first = await api.PatchAsync("/v1/me/profile", MergePatch("""
            { "identity": { "name": { "given": "Ada", "family": "Lovelace" }, "birthdate": "1990-12-10" },
              "contact": { "phone": "+442071838750" },
              "preferences": { "communication": { "channels": ["email", "post"], "maxContactsPerWeek": 2 }, "interests": ["astronomy"] } }
            """));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        var second = await api.PatchAsync("/v1/me/profile", MergePatch("""{ "contact": { "phone": null }, "identity": { "name": { "given": "Augusta Ada" } } }"""));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);

        var profile = await api.GetFromJsonAsync<JsonObject>("/v1/me/profile");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse($$"""
            { "identity": { "name": { "given": "Augusta Ada", "family": "Lovelace" }, "birthdate": "1990-12-10" },
              "contact": { "email": "{{customer.Email}}" },
              "preferences": { "communication": { "channels": ["email", "post"], "maxContactsPerWeek": 2 }, "interests": ["astronomy"] } }
            """), profile), profile!.ToJsonString());
    }

    [Fact]
    public async Task The_ETag_is_the_stream_version_and_a_stale_If_Match_gets_412_and_changes_nothing()
    {
        var customer = await app.SignUpAsync();
        using var api = app.CreateApiClient(customer.AccessToken);
        var read = await api.GetAsync("/v1/me/profile");
        var etag = read.Headers.ETag!;

        var changed = await api.SendAsync(PatchRequest("""{ "contact": { "phone": "+4930123456" } }""", etag));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("\"3\"", changed.Headers.ETag!.Tag);

        var stale = await api.SendAsync(PatchRequest("""{ "contact": { "phone": "+4930999999" } }""", etag));
        await stale.AssertProblemAsync(HttpStatusCode.PreconditionFailed);

        var profile = await api.GetFromJsonAsync<JsonObject>("/v1/me/profile");
        Assert.Equal("+4930123456", (string?)profile!["contact"]!["phone"]);
    }

    [Fact]
    public async Task Two_concurrent_patches_with_the_same_If_Match_one_wins_and_the_other_gets_412()
    {
        var customer = await app.SignUpAsync();
        using var api = app.CreateApiClient(customer.AccessToken);
        var etag = (await api.GetAsync("/v1/me/profile")).Headers.ETag!;

        var responses = await Task.WhenAll(
            api.SendAsync(PatchRequest("""{ "contact": { "phone": "+4930111111" } }""", etag)),
            api.SendAsync(PatchRequest("""{ "contact": { "phone": "+4930222222" } }""", etag)));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed], responses.Select(r => r.StatusCode).Order());
        var winner = responses.Single(r => r.StatusCode == HttpStatusCode.OK);
        var winningPhone = (string?)(await winner.Content.ReadFromJsonAsync<JsonObject>())!["contact"]!["phone"];
        var profile = await api.GetFromJsonAsync<JsonObject>("/v1/me/profile");
        Assert.Equal(winningPhone, (string?)profile!["contact"]!["phone"]);
    }

    [Theory]
    [InlineData("""{ "contact": { "email": "not-an-email" } }""", "contact.email")]
    [InlineData("""{ "contact": { "phone": "0044 20 7183 8750" } }""", "contact.phone")]
    [InlineData("""{ "contact": { "postal": { "lines": ["1 Main St"], "locality": "Springfield", "country": "XX" } } }""", "contact.postal.country")]
    [InlineData("""{ "identity": { "birthdate": "2999-01-01" } }""", "identity.birthdate")]
    [InlineData("""{ "identity": { "nickname": "Ada" } }""", "identity.nickname")]
    [InlineData("""{ "preferences": { "communication": { "channels": ["pigeon"], "maxContactsPerWeek": 1 } } }""", "preferences.communication.channels")]
    public async Task Invalid_values_get_400_naming_the_attribute_and_nothing_is_stored(string patch, string field)
    {
        var customer = await app.SignUpAsync();
        using var api = app.CreateApiClient(customer.AccessToken);
        var before = await api.GetAsync("/v1/me/profile");

        var response = await api.PatchAsync("/v1/me/profile", MergePatch(
            // A valid change rides along: it must not be stored either.
            patch.TrimEnd().TrimEnd('}') + """, "preferences_ignored": null }"""));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.ErrorFields());
        var after = await api.GetAsync("/v1/me/profile");
        Assert.Equal(before.Headers.ETag, after.Headers.ETag);
        Assert.Equal(await before.Content.ReadAsStringAsync(), await after.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_valid_change_in_a_patch_with_an_invalid_one_is_not_stored()
    {
        var customer = await app.SignUpAsync();
        using var api = app.CreateApiClient(customer.AccessToken);

        var response = await api.PatchAsync("/v1/me/profile", MergePatch("""{ "contact": { "phone": "+4930123456", "email": "broken" } }"""));

        await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        var profile = await api.GetFromJsonAsync<JsonObject>("/v1/me/profile");
        Assert.Null(profile!["contact"]!["phone"]);
        Assert.Equal(customer.Email, (string?)profile["contact"]!["email"]);
    }

    [Theory]
    [InlineData("not json", "application/merge-patch+json", HttpStatusCode.BadRequest)]
    [InlineData("[1, 2]", "application/merge-patch+json", HttpStatusCode.BadRequest)]
    [InlineData("""{ "contact": {} }""", "text/plain", HttpStatusCode.UnsupportedMediaType)]
    public async Task Unreadable_patches_get_a_problem(string body, string mediaType, HttpStatusCode status)
    {
        var customer = await app.SignUpAsync();
        using var api = app.CreateApiClient(customer.AccessToken);

        var response = await api.PatchAsync("/v1/me/profile", new StringContent(body, Encoding.UTF8, mediaType));

        await response.AssertProblemAsync(status);
    }

    [Fact]
    public async Task Without_a_token_the_profile_is_401_problem()
    {
        using var api = app.CreateApiClient();

        var response = await api.GetAsync("/v1/me/profile");

        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task An_invalid_token_is_401_problem()
    {
        using var api = app.CreateApiClient("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl");

        var response = await api.GetAsync("/v1/me/profile");

        var problem = await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("invalid", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task An_expired_token_is_401_problem()
    {
        var customer = await app.SignUpAsync();
        using var api = app.CreateApiClient(customer.AccessToken);

        // The clock only moves forward; later tests sign in afresh, so they do not mind.
        app.Clock.Advance(TimeSpan.FromHours(1));

        var response = await api.GetAsync("/v1/me/profile");
        await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_customer_token_without_vault_profile_is_403_problem()
    {
        var customer = await app.SignUpAsync(scope: "openid vault.consents");
        using var api = app.CreateApiClient(customer.AccessToken);

        var response = await api.GetAsync("/v1/me/profile");

        var problem = await response.AssertProblemAsync(HttpStatusCode.Forbidden);
        Assert.Contains("vault.profile", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task A_client_credentials_token_cannot_use_the_customer_endpoints()
    {
        var vendor = await app.ClientCredentialsAsync("demo-vendor", "demo-vendor-secret");
        using var api = app.CreateApiClient(vendor.AccessToken);

        var read = await api.GetAsync("/v1/me/profile");
        var write = await api.PatchAsync("/v1/me/profile", MergePatch("""{ "contact": { "phone": "+4930123456" } }"""));

        await read.AssertProblemAsync(HttpStatusCode.Forbidden);
        await write.AssertProblemAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Each_customer_sees_only_her_own_profile()
    {
        var ada = await app.SignUpAsync();
        var grace = await app.SignUpAsync();
        using var adaApi = app.CreateApiClient(ada.AccessToken);
        using var graceApi = app.CreateApiClient(grace.AccessToken);

        await adaApi.PatchAsync("/v1/me/profile", MergePatch("""{ "contact": { "phone": "+4930123456" } }"""));
        var graces = await graceApi.GetFromJsonAsync<JsonObject>("/v1/me/profile");

        Assert.Equal(grace.Email, (string?)graces!["contact"]!["email"]);
        Assert.Null(graces["contact"]!["phone"]);
    }

    [Fact]
    public async Task The_catalogue_is_public_and_names_a_scope_for_every_attribute()
    {
        using var api = app.CreateApiClient();

        var catalog = await api.GetFromJsonAsync<JsonElement>("/v1/catalog");

        var scopes = catalog.GetProperty("scopes").EnumerateArray().Select(s => s.GetProperty("name").GetString()).ToHashSet();
        var attributes = catalog.GetProperty("attributes").EnumerateArray().ToList();
        Assert.Contains(attributes, a => a.GetProperty("name").GetString() == "contact.phone");
        Assert.All(attributes, a => Assert.Contains(a.GetProperty("scope").GetString(), scopes));
    }

    private static StringContent MergePatch(string json) => new(json, Encoding.UTF8, "application/merge-patch+json");

    private static HttpRequestMessage PatchRequest(string json, EntityTagHeaderValue ifMatch) =>
        new(HttpMethod.Patch, "/v1/me/profile") { Content = MergePatch(json), Headers = { IfMatch = { ifMatch } } };
}
