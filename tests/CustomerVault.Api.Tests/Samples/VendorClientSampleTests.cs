using System.Net;
using System.Net.Http.Json;
using System.Text;
using CustomerVault.Api.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using VendorClient;

namespace CustomerVault.Api.Tests.Samples;

/// <summary>The core of samples/VendorClient, run against the vault as a vendor's developer would run it.</summary>
public sealed class VendorClientSampleTests(WebhookVaultApp app) : IClassFixture<WebhookVaultApp>
{
    private const string Profile = """
        { "identity": { "name": { "given": "Ada", "family": "Lovelace" } }, "contact": { "phone": "+442071838750" } }
        """;

    [Fact]
    public async Task The_sample_vendor_asks_learns_the_answer_reads_what_was_granted_and_lets_go_when_the_customer_revokes()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var cancellationToken = timeout.Token;
        var registered = await app.RegisterVendorAsync(scopes: "name email phone");
        var customer = await app.SignUpAsync(email: "ada.sample@example.org");
        await app.SetProfileAsync(customer, Profile);
        var options = new VendorClientOptions
        {
            VaultUrl = app.Server.BaseAddress.ToString(), ClientId = registered.ClientId, ClientSecret = registered.Secret, ListenUrl = "http://127.0.0.1:0",
        };
        var services = new ServiceCollection().AddVaultClient(options, () => app.Server.CreateHandler());
        services.AddSingleton<TimeProvider>(app.Clock);
        await using var provider = services.BuildServiceProvider();
        await using var listener = await WebhookListener.StartAsync(options.ListenUrl, cancellationToken);
        var vault = provider.GetRequiredService<VaultClient>();
        listener.Verifier = new WebhookVerifier((await vault.UseWebhookAsync(listener.Url, rotateSecret: true, cancellationToken))!, app.Clock);
        var output = new StringWriter();
        var data = provider.GetRequiredService<CustomerData>();
        // Polling only after a minute: within this test every answer must come by webhook.
        var flow = new VendorFlow(vault, listener, data, output) { PollEvery = TimeSpan.FromMinutes(1) };

        // She tells the vendor a connection code; the vendor learns its id for her.
        var code = (string)(await (await app.Api(customer).PostAsJsonAsync("/v1/me/connection-codes", new { }, cancellationToken)).JsonAsync())["code"]!;
        var customerId = await vault.ConnectAsync(code, cancellationToken);
        var requestId = await flow.AskAsync(customerId, ["name", "email", "phone"], "marketing", "Telescope news", "P6M", cancellationToken);
        using var customerApi = app.Api(customer);
        var approval = await customerApi.PostAsJsonAsync($"/v1/me/access-requests/{requestId}/approve", new { scopes = new[] { "name", "email" } }, cancellationToken);
        Assert.Equal(HttpStatusCode.OK, approval.StatusCode);

        var decision = await flow.AwaitDecisionAsync(requestId, cancellationToken);
        Assert.Equal("approved", decision.Status);
        Assert.Equal(["email", "name"], decision.ApprovedScopes.Order());
        Assert.Contains("(notification ", output.ToString());

        var grantId = decision.GrantId!.Value;
        var profile = await flow.ReadAsync(customerId, grantId, "marketing", cancellationToken);
        Assert.Equal("Ada", (string?)profile!["identity"]!["name"]!["given"]);
        Assert.Null(profile["contact"]?["phone"]);
        Assert.NotNull(data.Get(customerId));

        var following = flow.FollowAsync(customerId, grantId, "marketing", cancellationToken);
        (await customerApi.PostAsJsonAsync($"/v1/me/grants/{grantId}/revoke", new { reason = "No more newsletters" }, cancellationToken)).EnsureSuccessStatusCode();

        Assert.Equal("revoked", await following);
        Assert.Null(data.Get(customerId));
        Assert.Null(await flow.ReadAsync(customerId, grantId, "marketing", cancellationToken));
        Assert.Contains("grant.revoked; erased our copy", output.ToString());
    }

    [Fact]
    public async Task The_sample_listener_refuses_notifications_it_cannot_verify()
    {
        await using var listener = await WebhookListener.StartAsync("http://127.0.0.1:0", CancellationToken.None);
        listener.Verifier = new WebhookVerifier("whsec_" + Convert.ToBase64String(new byte[32]), TimeProvider.System);
        using var http = new HttpClient();
        var request = new HttpRequestMessage(HttpMethod.Post, listener.Url)
        {
            Content = new StringContent("""{"type":"com.customervault.grant.revoked","data":{}}""", Encoding.UTF8, "application/json"),
            Headers =
            {
                { "webhook-id", "msg_forged" },
                { "webhook-timestamp", DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture) },
                { "webhook-signature", "v1," + Convert.ToBase64String(new byte[32]) },
            },
        };

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(request)).StatusCode);
        Assert.False(listener.Notifications.TryRead(out _));
    }
}
