using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;
using Duende.IdentityModel.Client;

namespace CustomerVault.Api.Tests.VendorConsent;

/// <summary>
/// A vendor's web flow: authorization code + PKCE with the request pushed first (RFC 9126), carrying what it asks for as
/// authorization details (RFC 9396); the customer answers on the vault's consent page.
/// </summary>
public sealed class ConsentFlowTests(WebhookVaultApp app) : IClassFixture<WebhookVaultApp>, IAsyncLifetime
{
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    [Fact]
    public async Task She_signs_up_from_the_vendors_site_unticks_a_scope_and_allows_and_the_vendor_gets_what_she_granted_under_its_own_id_for_her()
    {
        var vendor = await app.RegisterVendorAsync("Flow Optics", webhookUrl: _receiver.Url, redirectUri: VendorWebFlow.RedirectUri);
        var pushed = await app.PushAsync(vendor);
        using var browser = app.CreateBrowser();
        var consent = await browser.ReachConsentAsync(vendor, pushed, signUpAs: $"flow.{Guid.NewGuid():N}@example.org");
        var until = DateOnly.FromDateTime(app.Clock.GetUtcNow().UtcDateTime).AddMonths(3);

        var back = VendorWebFlow.Callback(await browser.AnswerAsync(consent, allow: true, scopes: "name email", until: until));

        Assert.Equal(pushed.State, back["state"]);
        var tokens = await app.ExchangeAsync(vendor, pushed, back["code"]!);
        var details = Assert.Single(tokens["authorization_details"]!.AsArray())!;
        Assert.Equal("customervault_access", (string?)details["type"]);
        Assert.Equal(["name", "email"], details["scopes"]!.AsArray().Select(s => (string?)s));
        Assert.Equal("marketing", (string?)details["purpose"]);
        Assert.Equal(until.AddDays(1).ToDateTime(TimeOnly.MinValue), ((DateTimeOffset)details["expiresAt"]!).UtcDateTime);
        Assert.Equal((string?)tokens["grant_id"], (string?)details["grantId"]);
        var sub = Customers.SubjectOf((string)tokens["id_token"]!);
        Assert.Equal(sub, Customers.SubjectOf((string)tokens["access_token"]!));
        Assert.Null(tokens["refresh_token"]);

        // With its API token, under that id, the vendor finds the grant and the answered request, and reads just the granted data.
        using var vendorApi = app.Api(vendor);
        var grant = await (await vendorApi.GetAsync($"/v1/grants/{(string)tokens["grant_id"]!}")).JsonAsync();
        Assert.Equal(sub, (string?)grant["customerId"]);
        Assert.Equal(["name", "email"], grant["scopes"]!.AsArray().Select(s => (string?)s));
        var request = Assert.Single((await (await vendorApi.GetAsync($"/v1/access-requests?customerId={sub}")).JsonAsync())["items"]!.AsArray())!;
        Assert.Equal("approved", (string?)request["status"]);
        Assert.Equal(["name", "email", "phone"], request["scopes"]!.AsArray().Select(s => (string?)s));
        var read = await (await vendorApi.ReadProfileAsync(Guid.Parse(sub))).JsonAsync();
        Assert.Equal(["email", "name"], read["scopes"]!.AsArray().Select(s => (string?)s));
        Assert.Equal("connected", (string?)(await (await vendorApi.GetAsync($"/v1/connections/{sub}")).JsonAsync())["status"]);
        Assert.Equal("authorization", (string?)(await (await vendorApi.GetAsync($"/v1/connections/{sub}")).JsonAsync())["via"]);

        // As through the API: her receipt, and the vendor's notification.
        var approved = (await _receiver.WaitForAsync(r => r.Any(w => w.Type == "com.customervault.access-request.approved")))
            .Single(w => w.Type == "com.customervault.access-request.approved");
        Assert.Equal(sub, (string?)approved.Data["customerId"]);
        using var userInfo = app.CreateApiClient((string)tokens["access_token"]!);
        Assert.Equal(sub, (string?)(await (await userInfo.GetAsync("/connect/userinfo")).JsonAsync())["sub"]);
    }

    [Fact]
    public async Task Two_vendors_she_connects_to_in_one_session_know_her_under_two_ids_neither_of_which_is_her_vault_id()
    {
        var first = await app.RegisterVendorAsync(redirectUri: VendorWebFlow.RedirectUri);
        var second = await app.RegisterVendorAsync(redirectUri: VendorWebFlow.RedirectUri);
        using var browser = app.CreateBrowser();

        var firstPush = await app.PushAsync(first);
        var firstBack = VendorWebFlow.Callback(await browser.AnswerAsync(await browser.ReachConsentAsync(first, firstPush), allow: true, scopes: "name"));
        var secondPush = await app.PushAsync(second);
        var secondBack = VendorWebFlow.Callback(await browser.AnswerAsync(await browser.ReachConsentAsync(second, secondPush), allow: true, scopes: "name"));

        var atFirst = Customers.SubjectOf((string)(await app.ExchangeAsync(first, firstPush, firstBack["code"]!))["id_token"]!);
        var atSecond = Customers.SubjectOf((string)(await app.ExchangeAsync(second, secondPush, secondBack["code"]!))["id_token"]!);
        Assert.NotEqual(atFirst, atSecond);
        await (await app.Api(first).ReadProfileAsync(Guid.Parse(atSecond))).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await app.Api(second).ReadProfileAsync(Guid.Parse(atFirst))).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task When_she_denies_the_vendor_gets_access_denied_and_the_denial_is_recorded()
    {
        var vendor = await app.RegisterVendorAsync(redirectUri: VendorWebFlow.RedirectUri);
        var pushed = await app.PushAsync(vendor);
        using var browser = app.CreateBrowser();
        var consent = await browser.ReachConsentAsync(vendor, pushed);

        var back = VendorWebFlow.Callback(await browser.AnswerAsync(consent, allow: false, reason: "Not interested"));

        Assert.Equal("access_denied", back["error"]);
        Assert.Equal(pushed.State, back["state"]);
        Assert.Null(back["code"]);
        var requests = (await (await app.Api(vendor).GetAsync("/v1/access-requests")).JsonAsync())["items"]!.AsArray();
        var denied = Assert.Single(requests)!;
        Assert.Equal("denied", (string?)denied["status"]);
        Assert.Equal("Not interested", (string?)denied["denialReason"]);
        Assert.Empty((await (await app.Api(vendor).GetAsync("/v1/grants")).JsonAsync())["items"]!.AsArray());
    }

    [Fact]
    public async Task Unticking_everything_or_a_later_end_than_asked_is_explained_on_the_page_and_she_can_answer_again()
    {
        var vendor = await app.RegisterVendorAsync(redirectUri: VendorWebFlow.RedirectUri);
        var pushed = await app.PushAsync(vendor);
        using var browser = app.CreateBrowser();
        var consent = await browser.ReachConsentAsync(vendor, pushed);

        var nothing = await browser.AnswerAsync(consent, allow: true, scopes: "");
        var tooLate = await browser.AnswerAsync(consent, allow: true, scopes: "name", until: DateOnly.FromDateTime(app.Clock.GetUtcNow().UtcDateTime).AddYears(1));

        Assert.Equal(HttpStatusCode.OK, nothing.StatusCode);
        Assert.Contains("What it may see:", await nothing.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, tooLate.StatusCode);
        Assert.Contains("End date:", await tooLate.Content.ReadAsStringAsync());
        Assert.Empty((await (await app.Api(vendor).GetAsync("/v1/access-requests")).JsonAsync())["items"]!.AsArray());
        Assert.NotNull(VendorWebFlow.Callback(await browser.AnswerAsync(consent, allow: true, scopes: "name"))["code"]);
    }

    [Fact]
    public async Task A_pushed_request_without_client_authentication_is_refused()
    {
        var vendor = await app.RegisterVendorAsync(redirectUri: VendorWebFlow.RedirectUri);

        var response = await app.PushRawAsync(vendor, VendorWebFlow.Details(), Pkce.Create(), "s", authenticate: false);

        Assert.Equal("invalid_client", (string?)(await response.ErrorAsync(HttpStatusCode.Unauthorized))["error"]);
    }

    [Fact]
    public async Task A_vendor_cannot_skip_the_pushed_request()
    {
        var vendor = await app.RegisterVendorAsync(redirectUri: VendorWebFlow.RedirectUri);
        var pkce = Pkce.Create();
        using var browser = app.CreateBrowser();

        var direct = await browser.GetAsync(new RequestUrl("/connect/authorize").CreateAuthorizeUrl(vendor.ClientId, "code", "openid", VendorWebFlow.RedirectUri,
            state: "s", codeChallenge: pkce.Challenge, codeChallengeMethod: "S256"));

        Assert.Equal("invalid_request", await direct.AuthorizationErrorAsync());
    }

    [Fact]
    public async Task A_request_uri_is_refused_once_she_answered_and_after_its_lifetime()
    {
        var vendor = await app.RegisterVendorAsync(redirectUri: VendorWebFlow.RedirectUri);
        var used = await app.PushAsync(vendor);
        using var browser = app.CreateBrowser();
        VendorWebFlow.Callback(await browser.AnswerAsync(await browser.ReachConsentAsync(vendor, used), allow: true, scopes: "name"));

        var again = await browser.GetAsync(VendorWebFlow.AuthorizeUrl(vendor, used));

        // OpenIddict calls a used or expired request_uri an invalid token (it is one: a request token); it leads nowhere.
        Assert.Equal("invalid_token", await again.AuthorizationErrorAsync());
        var stale = await app.PushAsync(vendor);
        app.Clock.Advance(TimeSpan.FromMinutes(15) + TimeSpan.FromSeconds(1));
        var late = await browser.GetAsync(VendorWebFlow.AuthorizeUrl(vendor, stale));
        Assert.Equal("invalid_token", await late.AuthorizationErrorAsync());
        Assert.StartsWith("/connect/consent?", await browser.ReachConsentAsync(vendor, await app.PushAsync(vendor)));
    }

    [Theory]
    [InlineData("name birthdate", "marketing", "P6M", "authorization_details[0].scopes")]
    [InlineData("name", "selling-on", "P6M", "authorization_details[0].purpose")]
    [InlineData("name", "marketing", "P3Y", "authorization_details[0].duration")]
    public async Task Details_outside_the_vendors_ceiling_for_an_unknown_purpose_or_too_long_are_refused_with_invalid_authorization_details(
        string scopes, string purpose, string duration, string member)
    {
        var vendor = await app.RegisterVendorAsync(scopes: "name email", redirectUri: VendorWebFlow.RedirectUri);

        var response = await app.PushRawAsync(vendor, VendorWebFlow.Details(scopes, purpose, duration), Pkce.Create(), "s");

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest);
        Assert.Equal("invalid_authorization_details", (string?)error["error"]);
        Assert.StartsWith(member, (string?)error["error_description"]);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""[{"type":"payment_initiation","instructedAmount":{"currency":"EUR","amount":"12"}}]""")]
    [InlineData("""[{"type":"customervault_access","scopes":["name"],"purpose":"marketing","description":"x","duration":"P1M","datatypes":["all"]}]""")]
    [InlineData("""[{"type":"customervault_access","scopes":["name"],"purpose":"marketing","description":"x","duration":"P1M"},{"type":"customervault_access"}]""")]
    public async Task Malformed_or_foreign_details_are_refused_with_invalid_authorization_details(string details)
    {
        var vendor = await app.RegisterVendorAsync(redirectUri: VendorWebFlow.RedirectUri);

        var response = await app.PushRawAsync(vendor, details, Pkce.Create(), "s");

        Assert.Equal("invalid_authorization_details", (string?)(await response.ErrorAsync(HttpStatusCode.BadRequest))["error"]);
    }

    [Fact]
    public async Task A_vendor_must_say_what_it_asks_for()
    {
        var vendor = await app.RegisterVendorAsync(redirectUri: VendorWebFlow.RedirectUri);

        var response = await app.PushRawAsync(vendor, null, Pkce.Create(), "s");

        Assert.Equal("invalid_request", (string?)(await response.ErrorAsync(HttpStatusCode.BadRequest))["error"]);
    }

    [Fact]
    public async Task A_request_that_names_her_grant_extends_it_and_the_grant_keeps_its_id()
    {
        var vendor = await app.RegisterVendorAsync(redirectUri: VendorWebFlow.RedirectUri);
        using var browser = app.CreateBrowser();
        var first = await app.PushAsync(vendor, VendorWebFlow.Details("name", duration: "P1M"));
        var firstBack = VendorWebFlow.Callback(await browser.AnswerAsync(await browser.ReachConsentAsync(vendor, first), allow: true, scopes: "name"));
        var grantId = Guid.Parse((string)(await app.ExchangeAsync(vendor, first, firstBack["code"]!))["grant_id"]!);

        var extension = await app.PushAsync(vendor, VendorWebFlow.Details("name email", duration: "P1Y", grantId: grantId));
        var back = VendorWebFlow.Callback(await browser.AnswerAsync(await browser.ReachConsentAsync(vendor, extension), allow: true, scopes: "name email"));
        var tokens = await app.ExchangeAsync(vendor, extension, back["code"]!);

        Assert.Equal(grantId.ToString(), (string?)tokens["grant_id"]);
        var grants = (await (await app.Api(vendor).GetAsync("/v1/grants")).JsonAsync())["items"]!.AsArray();
        var grant = Assert.Single(grants)!;
        Assert.Equal(["name", "email"], grant["scopes"]!.AsArray().Select(s => (string?)s));
        Assert.True((DateTimeOffset)grant["expiresAt"]! > app.Clock.GetUtcNow().AddMonths(11));
        var receipts = (await app.Api(vendor).GetFromJsonAsync<JsonObject>($"/v1/grants/{grantId}/receipts"))!["items"]!.AsArray();
        Assert.Equal(["granted", "extended"], receipts.Select(r => (string?)r!["event"]));
    }

    [Fact]
    public async Task A_grant_of_another_purpose_or_vendor_cannot_be_extended()
    {
        var vendor = await app.RegisterVendorAsync(redirectUri: VendorWebFlow.RedirectUri);
        var other = await app.RegisterVendorAsync(redirectUri: VendorWebFlow.RedirectUri);
        var customer = await app.SignUpAsync();
        var grantId = await app.GrantAsync(vendor, customer, "name", purpose: "analytics");

        var otherPurpose = await app.PushRawAsync(vendor, VendorWebFlow.Details("name", "marketing", grantId: grantId), Pkce.Create(), "s");
        var otherVendor = await app.PushRawAsync(other, VendorWebFlow.Details("name", "analytics", grantId: grantId), Pkce.Create(), "s");

        Assert.StartsWith("authorization_details[0].grantId", (string?)(await otherPurpose.ErrorAsync(HttpStatusCode.BadRequest))["error_description"]);
        Assert.StartsWith("authorization_details[0].grantId", (string?)(await otherVendor.ErrorAsync(HttpStatusCode.BadRequest))["error_description"]);
    }

    [Fact]
    public async Task Discovery_lists_pushed_requests_and_the_authorization_details_type()
    {
        var discovery = await (await app.CreateApiClient().GetAsync("/.well-known/openid-configuration")).JsonAsync();

        Assert.EndsWith("/connect/par", (string?)discovery["pushed_authorization_request_endpoint"]);
        Assert.False((bool)discovery["require_pushed_authorization_requests"]!);
        Assert.Equal(["customervault_access"], discovery["authorization_details_types_supported"]!.AsArray().Select(t => (string?)t));
        Assert.Equal(["pairwise"], discovery["subject_types_supported"]!.AsArray().Select(t => (string?)t));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5091/signin-oidc", HttpStatusCode.Created)]
    [InlineData("http://127.0.0.1:5092/signin-oidc", HttpStatusCode.BadRequest)]
    public async Task The_development_demo_site_pushes_what_the_sample_asks_for_to_its_configured_address_only(string redirectUri, HttpStatusCode expected)
    {
        // samples/VendorWeb's defaults against the vault's Development settings: a fresh clone's demo works as configured.
        var site = new VendorWeb.VendorWebOptions();
        var pkce = Pkce.Create();
        using var client = app.CreateApiClient();

        var pushed = await client.PostAsync("/connect/par", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["client_id"] = site.ClientId, ["client_secret"] = site.ClientSecret, ["response_type"] = "code", ["redirect_uri"] = redirectUri,
            ["scope"] = "openid", ["state"] = "s1", ["code_challenge"] = pkce.Challenge, ["code_challenge_method"] = "S256",
            ["authorization_details"] = System.Text.Json.JsonSerializer.Serialize(new[]
            {
                new { type = "customervault_access", scopes = site.Scopes.Split(' '), purpose = site.Purpose, description = site.Description, duration = site.Duration },
            }),
        }));

        Assert.True(pushed.StatusCode == expected, $"{(int)pushed.StatusCode}: {await pushed.Content.ReadAsStringAsync()}");
    }
}
