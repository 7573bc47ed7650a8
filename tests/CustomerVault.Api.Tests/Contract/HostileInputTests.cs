using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Contract;

/// <summary>
/// Input no client should send, over a real socket: each is the caller's mistake, answered with a problem document
/// that names what is wrong (400), or as an unknown resource (404), never with a 500 or a silent success.
/// </summary>
public sealed class HostileInputTests(NetworkVaultApp app) : IClassFixture<NetworkVaultApp>
{
    private const string Nul = "\u0000";

    [Theory]
    [InlineData("description", "Our newsletter" + Nul)]
    [InlineData("description", "Our newsletter\u001b[2J")]
    [InlineData("purpose", "marketing" + Nul)]
    public async Task A_control_character_in_an_access_request_gets_400_naming_the_field(string field, string value)
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        using var api = app.Api(vendor);

        var response = await api.PostAsJsonAsync("/v1/access-requests", new Dictionary<string, object>
        {
            ["customerId"] = await app.ConnectAsync(vendor, customer), ["scopes"] = new[] { "email" }, ["purpose"] = "marketing", ["description"] = "Our newsletter",
            ["duration"] = "P6M", [field] = value,
        });

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Equal([field], problem.ErrorFields());
    }

    [Fact]
    public async Task A_nul_in_a_reason_a_grant_description_a_vendor_name_or_a_webhook_url_gets_400_naming_it()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        using var vendorApi = app.Api(vendor);
        using var customerApi = app.Api(customer);
        using var operatorApi = await app.OperatorAsync();
        var requestId = await (await vendorApi.RequestAccessAsync(await app.ConnectAsync(vendor, customer), "email")).IdAsync();
        var grantId = await app.GrantAsync(vendor, customer);

        (HttpResponseMessage Response, string Field)[] answers =
        [
            (await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/deny", new { reason = "No" + Nul }), "reason"),
            (await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { reason = Nul }), "reason"),
            (await vendorApi.PostAsJsonAsync($"/v1/grants/{grantId}/relinquish", new { reason = "Done" + Nul }), "reason"),
            (await customerApi.PostAsJsonAsync("/v1/me/grants", new
            {
                vendorId = vendor.Id, scopes = new[] { "email" }, purpose = "marketing", description = "News" + Nul, expiresAt = DateTimeOffset.UtcNow.AddDays(30),
            }), "description"),
            (await operatorApi.PostAsJsonAsync("/v1/vendors", new
            {
                displayName = "Evil" + Nul + "Corp", contactEmail = "privacy@evil.example", scopes = new[] { "email" },
            }), "displayName"),
            (await vendorApi.PutAsJsonAsync("/v1/webhooks/endpoint", new { url = "https://hooks.example/" + Nul }), "url"),
        ];

        foreach (var (response, field) in answers)
        {
            var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
            Assert.Equal([field], problem.ErrorFields());
        }

        var request = await (await customerApi.GetAsync($"/v1/me/access-requests/{requestId}")).JsonAsync();
        Assert.Equal("pending", (string?)request["status"]);
        var grant = await (await customerApi.GetAsync($"/v1/me/grants/{grantId}")).JsonAsync();
        Assert.Equal("active", (string?)grant["status"]);
    }

    [Theory]
    [InlineData("""{ "identity": { "name": { "given": "Ada\ud800" } } }""", "body")]
    [InlineData("""{ "identity": { "name": { "given": "\udfffAda" } } }""", "body")]
    [InlineData("""{ "identity": { "name": { "given\ud800": "Ada" } } }""", "body")]
    [InlineData("""{ "identity": { "name": { "given": "Ada\u0000" } } }""", "identity.name.given")]
    [InlineData("""{ "contact": { "postal": { "lines": ["Main St\u0007"] } } }""", "contact.postal.lines[0]")]
    public async Task A_lone_surrogate_or_control_character_in_a_profile_patch_gets_400(string patch, string field)
    {
        var customer = await app.SignUpAsync();
        using var api = app.Api(customer);

        var response = await api.PatchAsync("/v1/me/profile", new StringContent(patch, Encoding.UTF8, "application/merge-patch+json"));

        var problem = await response.AssertProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains(field, problem.ErrorFields());
    }

    [Fact]
    public async Task Invalid_utf8_in_a_profile_patch_or_a_json_body_gets_400()
    {
        var customer = await app.SignUpAsync();
        using var api = app.Api(customer);
        byte[] patch = [.. """{ "identity": { "name": { "given": "Ada"""u8, 0xC3, 0x28, 0xFF, .. "\" } } }"u8];
        byte[] revoke = [.. """{ "reason": "why"""u8, 0xED, 0xA0, 0x80, .. "\" }"u8];
        var namedBadly = """{ "reason\ud800": "why" }"""u8.ToArray();

        var patched = await api.PatchAsync("/v1/me/profile", Json(patch, "application/merge-patch+json"));
        var revoked = await api.PostAsync($"/v1/me/grants/{Guid.NewGuid()}/revoke", Json(revoke, "application/json"));
        var badlyNamed = await api.PostAsync($"/v1/me/grants/{Guid.NewGuid()}/revoke", Json(namedBadly, "application/json"));

        await patched.AssertProblemAsync(HttpStatusCode.BadRequest);
        await revoked.AssertProblemAsync(HttpStatusCode.BadRequest);
        await badlyNamed.AssertProblemAsync(HttpStatusCode.BadRequest);
    }

    [Theory]
    [InlineData("POST", "/v1/me/grants/00000000-0000-0000-0000-000000000000/revoke", "customer")]
    [InlineData("POST", "/v1/me/access-requests/00000000-0000-0000-0000-000000000000/approve", "customer")]
    [InlineData("POST", "/v1/grants/00000000-0000-0000-0000-000000000000/relinquish", "vendor")]
    [InlineData("POST", "/v1/vendors/00000000-0000-0000-0000-000000000000/suspend", "operator")]
    [InlineData("POST", "/v1/vendors/{00000000-0000-0000-0000-000000000000}/reactivate", "operator")]
    [InlineData("GET", "/v1/audit/customers/00000000000000000000000000000000/history", "auditor")]
    public async Task The_empty_id_in_a_path_is_404(string method, string path, string caller)
    {
        using var api = await CallerAsync(caller);

        var response = await api.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = JsonContent.Create(new { }) });

        await response.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task The_empty_id_in_a_body_gets_400_naming_the_field()
    {
        var customer = await app.SignUpAsync();
        using var customerApi = app.Api(customer);
        var vendor = await app.RegisterVendorAsync();
        using var vendorApi = app.Api(vendor);

        var granted = await customerApi.PostAsJsonAsync("/v1/me/grants", new
        {
            vendorId = Guid.Empty, scopes = new[] { "email" }, purpose = "marketing", expiresAt = DateTimeOffset.UtcNow.AddDays(30),
        });
        var requested = await vendorApi.RequestAccessAsync(Guid.Empty);

        Assert.Equal(["vendorId"], (await granted.AssertProblemAsync(HttpStatusCode.BadRequest)).ErrorFields());
        Assert.Equal(["customerId"], (await requested.AssertProblemAsync(HttpStatusCode.BadRequest)).ErrorFields());
    }

    [Theory]
    [InlineData("application/xml")]
    [InlineData("text/html")]
    [InlineData("image/png, text/*;q=0.5")]
    [InlineData("application/json;q=0")]
    public async Task Refusals_are_problem_documents_whatever_the_client_accepts(string accept)
    {
        var customer = await app.SignUpAsync();
        var vendor = await app.RegisterVendorAsync();
        var grantId = await app.GrantAsync(vendor, customer);
        using var anonymous = app.CreateApiClient();
        using var wrongKind = app.Api(vendor);
        using var owner = app.Api(customer);
        Assert.True((await owner.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { })).IsSuccessStatusCode);

        var unauthenticated = await Send(anonymous, HttpMethod.Get, "/v1/me/grants", accept);
        var forbidden = await Send(wrongKind, HttpMethod.Get, "/v1/me/grants", accept);
        var conflict = await Send(owner, HttpMethod.Post, $"/v1/me/grants/{grantId}/revoke", accept, JsonContent.Create(new { }));
        var invalid = await Send(owner, HttpMethod.Get, "/v1/me/grants?limit=0", accept);
        var unknown = await Send(owner, HttpMethod.Get, "/v1/me/no-such-thing", accept);

        await unauthenticated.AssertProblemAsync(HttpStatusCode.Unauthorized);
        await forbidden.AssertProblemAsync(HttpStatusCode.Forbidden);
        await conflict.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(["limit"], (await invalid.AssertProblemAsync(HttpStatusCode.BadRequest)).ErrorFields());
        await unknown.AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_body_over_the_limit_gets_413_however_it_is_sent(bool chunked)
    {
        var customer = await app.SignUpAsync();
        var patch = Encoding.UTF8.GetBytes($$"""{ "identity": { "name": { "given": "{{new string('a', 1024 * 1024)}}" } } }""");
        var operatorToken = (await app.ClientCredentialsAsync("demo-operator", "demo-operator-secret")).AccessToken;
        var vendor = Encoding.UTF8.GetBytes($$"""{ "displayName": "{{new string('v', 200 * 1024)}}", "contactEmail": "p@v.example", "scopes": ["email"] }""");

        var profile = await RawHttp.SendAsync(new Uri(app.BaseUrl), "PATCH", "/v1/me/profile",
            [("Authorization", $"Bearer {customer.AccessToken}"), ("Content-Type", "application/merge-patch+json")], patch, chunked);
        var registered = await RawHttp.SendAsync(new Uri(app.BaseUrl), "POST", "/v1/vendors",
            [("Authorization", $"Bearer {operatorToken}"), ("Content-Type", "application/json")], vendor, chunked);

        foreach (var answer in new[] { profile, registered })
        {
            Assert.True(answer.Status == HttpStatusCode.RequestEntityTooLarge, $"{answer.Status}: {answer.Body}");
            Assert.Equal("application/problem+json", answer.MediaType);
        }
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/xml")]
    [InlineData("multipart/form-data; boundary=x")]
    public async Task A_body_that_is_not_json_gets_415(string contentType)
    {
        var customer = await app.SignUpAsync();
        using var api = app.Api(customer);

        var response = await api.PostAsync("/v1/me/grants", new StringContent("{}", Encoding.UTF8, MediaTypeHeaderValue.Parse(contentType)));

        await response.AssertProblemAsync(HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task An_unknown_member_gets_400_naming_it_and_changes_nothing()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        using var vendorApi = app.Api(vendor);
        using var customerApi = app.Api(customer);
        var customerAtVendor = await app.ConnectAsync(vendor, customer);
        var requestId = await (await vendorApi.RequestAccessAsync(customerAtVendor, "name email")).IdAsync();

        // "scope" for "scopes": ignoring it would approve every scope requested.
        var approved = await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve", new { scope = new[] { "email" } });
        var nested = await vendorApi.RequestAccessAsync(customerAtVendor, contactTerms: new { channels = new[] { "email" }, maxContactsPerWeek = 1, perDay = 9 });

        Assert.Equal(["scope"], (await approved.AssertProblemAsync(HttpStatusCode.BadRequest)).ErrorFields());
        Assert.Equal(["contactTerms.perDay"], (await nested.AssertProblemAsync(HttpStatusCode.BadRequest)).ErrorFields());
        var request = await (await customerApi.GetAsync($"/v1/me/access-requests/{requestId}")).JsonAsync();
        Assert.Equal("pending", (string?)request["status"]);
    }

    [Fact]
    public async Task If_Match_on_another_customers_grant_answers_404_like_a_missing_grant()
    {
        var vendor = await app.RegisterVendorAsync();
        var owner = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, owner);
        using var intruder = app.Api(await app.SignUpAsync());

        foreach (var version in new[] { "\"1\"", "\"2\"", "\"99\"" })
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/me/grants/{grantId}/revoke") { Content = JsonContent.Create(new { }) };
            request.Headers.TryAddWithoutValidation("If-Match", version);
            await (await intruder.SendAsync(request)).AssertProblemAsync(HttpStatusCode.NotFound);
        }

        using var ownerApi = app.Api(owner);
        var stale = new HttpRequestMessage(HttpMethod.Post, $"/v1/me/grants/{grantId}/revoke") { Content = JsonContent.Create(new { }) };
        stale.Headers.TryAddWithoutValidation("If-Match", "\"99\"");
        await (await ownerApi.SendAsync(stale)).AssertProblemAsync(HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task Instants_with_any_offset_and_durations_past_the_calendar_are_answered()
    {
        var customer = await app.SignUpAsync();
        var vendor = await app.RegisterVendorAsync();
        await app.GrantAsync(vendor, customer);
        using var auditor = await app.AuditorAsync();
        using var customerApi = app.Api(customer);
        using var vendorApi = app.Api(vendor);

        var asOf = await auditor.GetAsync($"/v1/audit/customers/{customer.Id}/grants?asOf={Uri.EscapeDataString("2099-12-31T23:59:59+14:00")}");
        var log = await customerApi.GetAsync($"/v1/me/access-log?from={Uri.EscapeDataString("2020-01-01T00:00:00-09:30")}");
        var approved = await customerApi.PostAsJsonAsync("/v1/me/grants", new
        {
            vendorId = vendor.Id, scopes = new[] { "email" }, purpose = "analytics", expiresAt = DateTimeOffset.UtcNow.AddDays(30).ToOffset(TimeSpan.FromHours(14)),
        });
        var forever = await vendorApi.RequestAccessAsync(await app.ConnectAsync(vendor, customer), duration: "P9999Y");

        Assert.Equal(HttpStatusCode.OK, asOf.StatusCode);
        Assert.Equal(HttpStatusCode.OK, log.StatusCode);
        Assert.Equal(HttpStatusCode.Created, approved.StatusCode);
        Assert.EndsWith("+00:00", (string?)(await approved.JsonAsync())["expiresAt"]);
        Assert.Equal(["duration"], (await forever.AssertProblemAsync(HttpStatusCode.BadRequest)).ErrorFields());
    }

    [Fact]
    public async Task An_empty_sign_up_or_sign_in_form_shows_the_form_again()
    {
        using var browser = app.CreateBrowser();

        var signUp = await browser.SubmitFormAsync("/account/sign-up", new() { ["Email"] = "", ["Password"] = "", ["ConfirmPassword"] = "" });
        var noPassword = await browser.SubmitFormAsync("/account/sign-up", new()
        {
            ["Email"] = $"empty-{Guid.NewGuid():N}@example.org", ["Password"] = "", ["ConfirmPassword"] = "",
        });
        var signIn = await browser.SubmitFormAsync("/account/sign-in", new() { ["Email"] = "", ["Password"] = "" });

        Assert.Equal(HttpStatusCode.OK, signUp.StatusCode);
        Assert.Contains("sign-up-errors", await signUp.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, noPassword.StatusCode);
        Assert.Contains("sign-up-errors", await noPassword.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, signIn.StatusCode);
    }

    [Fact]
    public async Task A_nul_in_a_portal_form_is_refused_and_nothing_is_stored()
    {
        var vendor = await app.RegisterVendorAsync();
        var customer = await app.SignUpAsync();
        var requestId = await (await app.Api(vendor).RequestAccessAsync(await app.ConnectAsync(vendor, customer), "email")).IdAsync();
        using var browser = app.CreateBrowser();
        var signedIn = await browser.SubmitFormAsync("/account/sign-in", new() { ["Email"] = customer.Email, ["Password"] = customer.Password });
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        var denied = await browser.SubmitFormAsync($"/portal/requests/{requestId}?handler=Deny", new() { ["Version"] = "1", ["Reason"] = "No" + Nul }, $"/portal/requests/{requestId}");

        await denied.AssertProblemAsync(HttpStatusCode.BadRequest);
        var request = await (await app.Api(customer).GetAsync($"/v1/me/access-requests/{requestId}")).JsonAsync();
        Assert.Equal("pending", (string?)request["status"]);
    }

    [Fact]
    public async Task Refusals_are_logged_at_information_without_a_stack_trace()
    {
        var customer = await app.SignUpAsync();
        var vendor = await app.RegisterVendorAsync();
        var grantId = await app.GrantAsync(vendor, customer);
        using var api = app.Api(customer);
        Assert.True((await api.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { })).IsSuccessStatusCode);
        var logged = app.Logs.Count;

        await Send(api, HttpMethod.Post, $"/v1/me/grants/{grantId}/revoke", "application/xml", JsonContent.Create(new { }));
        await Send(api, HttpMethod.Post, $"/v1/me/grants/{grantId}/narrow", "text/html", JsonContent.Create(new { removeScopes = 5 }));
        await Send(app.CreateApiClient(), HttpMethod.Get, "/v1/me/grants", "application/xml");
        await api.PostAsJsonAsync("/v1/me/grants", new { vendorId = vendor.Id, description = Nul });

        var entries = app.Logs.Skip(logged).ToList();
        Assert.Contains(entries, e => e.StartsWith("Information", StringComparison.Ordinal) && e.Contains("Request refused with 409", StringComparison.Ordinal));
        Assert.Contains(entries, e => e.StartsWith("Information", StringComparison.Ordinal) && e.Contains("Request refused with 400", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.StartsWith("Error", StringComparison.Ordinal) || e.StartsWith("Critical", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.Contains("\n   at ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_write_that_loses_a_race_is_a_409_logged_at_information()
    {
        var vendor = await app.RegisterVendorAsync();
        using var vendorApi = app.Api(vendor);
        var customer = await app.SignUpAsync();
        using var customerApi = app.Api(customer);
        var logged = app.Logs.Count;
        var statuses = new List<HttpStatusCode>();
        var customerAtVendor = await app.ConnectAsync(vendor, customer);
        for (var round = 0; round < 8; round++)
        {
            var requestId = await (await vendorApi.RequestAccessAsync(customerAtVendor, "email")).IdAsync();
            var answers = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => customerApi.PostAsJsonAsync(
                $"/v1/me/access-requests/{requestId}/{(i % 2 == 0 ? "approve" : "deny")}", new { })));
            statuses.AddRange(answers.Select(a => a.StatusCode));
        }

        Assert.Equal(8, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.All(statuses, s => Assert.True(s is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{s}"));
        var entries = app.Logs.Skip(logged).ToList();
        var errors = entries.Where(e => e.StartsWith("Error", StringComparison.Ordinal) || e.Contains("\n   at ", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, string.Join("\n\n", errors.Take(2)));
    }

    private async Task<HttpClient> CallerAsync(string caller) => caller switch
    {
        "customer" => app.Api(await app.SignUpAsync()),
        "vendor" => app.Api(await app.RegisterVendorAsync()),
        "auditor" => await app.AuditorAsync(),
        _ => await app.OperatorAsync(),
    };

    private static async Task<HttpResponseMessage> Send(HttpClient client, HttpMethod method, string path, string accept, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.TryAddWithoutValidation("Accept", accept);
        return await client.SendAsync(request);
    }

    private static ByteArrayContent Json(byte[] body, string mediaType)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(mediaType);
        return content;
    }
}
