using System.Net;
using System.Net.Http.Json;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Webhooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NSubstitute;

namespace CustomerVault.Api.Tests.Webhooks;

/// <summary>The vault as outside Development: webhook URLs must be https and reach only public addresses.</summary>
public class SafeUrlVaultApp : WebhookVaultApp
{
    public static readonly IPAddress Public = IPAddress.Parse("93.184.216.34");

    /// <summary>The DNS as the vault sees it; tests decide what each name resolves to.</summary>
    public IHostResolver Dns { get; } = Substitute.For<IHostResolver>();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Vault:Webhooks:EnforceSafeUrls"] = "true",
    };

    protected override void ConfigureTestServices(IServiceCollection services)
    {
        services.RemoveAll<IHostResolver>();
        services.AddSingleton(Dns);
    }

    public void Resolve(string host, params IPAddress[] addresses) => Dns.ResolveAsync(host, Arg.Any<CancellationToken>()).Returns(addresses);
}

public sealed class SafeWebhookUrlTests(SafeUrlVaultApp app) : IClassFixture<SafeUrlVaultApp>
{
    [Theory]
    [InlineData("https://127.0.0.1/hooks")]
    [InlineData("https://10.20.30.40/hooks")]
    [InlineData("https://169.254.169.254/latest/meta-data")]
    [InlineData("https://[::1]/hooks")]
    [InlineData("https://intranet.vendor.example/hooks")]
    [InlineData("https://metadata.vendor.example/hooks")]
    [InlineData("http://hooks.vendor.example/plain-http")]
    public async Task A_webhook_url_that_is_not_https_to_a_public_address_is_refused_at_registration_and_when_changed(string url)
    {
        app.Resolve("intranet.vendor.example", IPAddress.Parse("10.0.0.7"));
        app.Resolve("metadata.vendor.example", SafeUrlVaultApp.Public, IPAddress.Parse("169.254.169.254"));
        app.Resolve("hooks.vendor.example", SafeUrlVaultApp.Public);
        using var admin = await app.OperatorAsync();

        var registration = await admin.PostAsJsonAsync("/v1/vendors", new
        {
            displayName = "Sneaky Ltd",
            website = "https://vendor.example",
            contactEmail = "privacy@vendor.example",
            scopes = new[] { "name" },
            webhookUrl = url,
        });
        Assert.Equal(["webhookUrl"], (await registration.AssertProblemAsync(HttpStatusCode.BadRequest)).ErrorFields());

        var vendor = await app.RegisterVendorAsync();
        using var vendorApi = app.Api(vendor);
        var change = await vendorApi.PutAsJsonAsync("/v1/webhooks/endpoint", new { url });
        Assert.Equal(["url"], (await change.AssertProblemAsync(HttpStatusCode.BadRequest)).ErrorFields());
        var settings = await (await vendorApi.GetAsync("/v1/webhooks")).JsonAsync();
        Assert.Null((string?)settings["url"]);
    }

    [Fact]
    public async Task A_public_https_url_is_accepted()
    {
        app.Resolve("hooks.vendor.example", SafeUrlVaultApp.Public);
        var vendor = await app.RegisterVendorAsync();
        using var vendorApi = app.Api(vendor);

        var change = await vendorApi.PutAsJsonAsync("/v1/webhooks/endpoint", new { url = "https://hooks.vendor.example/vault" });

        Assert.Equal(HttpStatusCode.OK, change.StatusCode);
    }

    [Fact]
    public async Task A_name_that_resolves_to_a_private_address_by_delivery_time_is_not_connected_to()
    {
        app.Resolve("rebind.vendor.example", SafeUrlVaultApp.Public);
        var vendor = await app.RegisterVendorAsync(webhookUrl: "https://rebind.vendor.example/hooks");
        app.Resolve("rebind.vendor.example", IPAddress.Loopback);
        var customer = await app.SignUpAsync();

        await app.GrantAsync(vendor, customer);

        var lastError = await app.FirstFailureAsync(vendor);

        Assert.StartsWith("Refused to connect to rebind.vendor.example", lastError);
    }
}
