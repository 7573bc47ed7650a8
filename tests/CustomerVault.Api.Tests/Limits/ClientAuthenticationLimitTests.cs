using System.Net;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Limits;

public sealed class SignInLimitsVaultApp : LimitedVaultApp
{
    protected override IDictionary<string, string?> Limits => new Dictionary<string, string?>(
        PerHour("TokenRequests", 10).Concat(PerHour("TokenRequestsPerClient", 25)).Concat(PerHour("SignIn", 3)).Concat(PerHour("SignUp", 2)));
}

/// <summary>Where secrets and passwords are checked, guesses meet a wall long before they could matter.</summary>
public sealed class ClientAuthenticationLimitTests(SignInLimitsVaultApp app) : IClassFixture<SignInLimitsVaultApp>
{
    [Fact]
    public async Task Wrong_secrets_from_one_address_are_refused_long_before_the_200th_and_the_right_one_then_waits_too()
    {
        using var client = app.CreateApiClient();
        var answers = new List<HttpStatusCode>();
        for (var i = 0; i < 200 && !answers.Contains(HttpStatusCode.TooManyRequests); i++)
        {
            answers.Add((await client.PostFormAsync("/connect/token", Form("demo-vendor", $"guess-{i}"), "192.0.2.10")).StatusCode);
        }

        Assert.Equal(11, answers.Count);
        Assert.All(answers[..10], status => Assert.Equal(HttpStatusCode.Unauthorized, status));
        var refused = await client.PostFormAsync("/connect/token", Form("demo-vendor", "demo-vendor-secret"), "192.0.2.10");
        await refused.AssertThrottledAsync("token-requests", 10, 3600);
        // Headers a caller chooses do not make it someone else.
        var disguised = new HttpRequestMessage(HttpMethod.Post, "/connect/token") { Content = new FormUrlEncodedContent(Form("demo-vendor", "demo-vendor-secret")) }
            .From("192.0.2.10");
        disguised.Headers.Add("X-Forwarded-For", "203.0.113.50");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(disguised)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await client.PostFormAsync("/connect/token", Form("demo-vendor", "demo-vendor-secret"), "192.0.2.11")).StatusCode);
    }

    [Fact]
    public async Task Guesses_at_one_clients_secret_from_many_addresses_meet_the_per_client_limit_other_clients_do_not()
    {
        using var client = app.CreateApiClient();
        for (var i = 0; i < 25; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.PostFormAsync("/connect/token", Form("demo-auditor", $"guess-{i}"), $"10.1.0.{i + 1}")).StatusCode);
        }

        await (await client.PostFormAsync("/connect/token", Form("demo-auditor", "guess-x"), "10.1.1.1")).AssertThrottledAsync("token-requests-per-client", 25, 3600);

        var basic = new HttpRequestMessage(HttpMethod.Post, "/connect/token")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["grant_type"] = "client_credentials" }),
            Headers = { Authorization = new("Basic", Convert.ToBase64String("demo-auditor:guess-y"u8.ToArray())) },
        }.From("10.1.1.2");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.SendAsync(basic)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.PostFormAsync("/connect/token", Form("demo-operator", "demo-operator-secret"), "10.1.1.3")).StatusCode);
    }

    [Fact]
    public async Task Sign_in_attempts_and_sign_ups_are_limited_per_address_while_the_pages_still_show()
    {
        using var browser = app.CreateBrowser();
        browser.DefaultRequestHeaders.Add(LimitedVaultApp.PeerHeader, "192.0.2.20");
        for (var i = 0; i < 3; i++)
        {
            var attempt = await browser.SubmitFormAsync("/account/sign-in", new() { ["Email"] = $"nobody{i}@example.org", ["Password"] = "not the password" });
            Assert.NotEqual(HttpStatusCode.TooManyRequests, attempt.StatusCode);
        }

        var refused = await browser.SubmitFormAsync("/account/sign-in", new() { ["Email"] = "nobody@example.org", ["Password"] = "not the password" });
        await refused.AssertThrottledAsync("sign-in", 3, 3600);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/account/sign-in")).StatusCode);

        for (var i = 0; i < 2; i++)
        {
            var signUp = await browser.SubmitFormAsync("/account/sign-up", new()
            {
                ["Email"] = $"new-{Guid.NewGuid():N}@example.org", ["Password"] = Customers.Password, ["ConfirmPassword"] = Customers.Password,
            });
            Assert.NotEqual(HttpStatusCode.TooManyRequests, signUp.StatusCode);
        }

        var tooMany = await browser.SubmitFormAsync("/account/sign-up", new()
        {
            ["Email"] = $"new-{Guid.NewGuid():N}@example.org", ["Password"] = Customers.Password, ["ConfirmPassword"] = Customers.Password,
        });
        await tooMany.AssertThrottledAsync("sign-up", 2, 3600);
    }

    private static Dictionary<string, string> Form(string clientId, string secret) => new()
    {
        ["grant_type"] = "client_credentials",
        ["client_id"] = clientId,
        ["client_secret"] = secret,
    };
}
