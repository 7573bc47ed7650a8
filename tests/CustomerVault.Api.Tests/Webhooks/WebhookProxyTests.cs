using System.Net;
using CustomerVault.Api.Tests.Support;

namespace CustomerVault.Api.Tests.Webhooks;

/// <summary>Tests that change what the whole test process does (its default HTTP proxy) run alone.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideSettings
{
    public const string Name = "process-wide settings";
}

[Collection(ProcessWideSettings.Name)]
public sealed class EnvironmentProxyTests(WebhookVaultApp app) : IClassFixture<WebhookVaultApp>
{
    [Fact]
    public async Task Webhooks_do_not_go_through_the_proxy_the_environment_names()
    {
        await using var proxy = new FakeProxy();
        await using var receiver = await WebhookReceiver.StartAsync();
        var previous = HttpClient.DefaultProxy;
        // What HTTPS_PROXY, HTTP_PROXY or ALL_PROXY make of every HttpClient that does not say otherwise.
        HttpClient.DefaultProxy = new WebProxy(proxy.Url);
        try
        {
            var vendor = await app.RegisterVendorAsync(webhookUrl: receiver.Url);
            await app.GrantAsync(vendor, await app.SignUpAsync());

            await receiver.WaitForAsync(r => r.Count > 0);
            Assert.Empty(proxy.RequestLines);
        }
        finally
        {
            HttpClient.DefaultProxy = previous;
        }
    }
}

/// <summary>The vault outside Development, with Vault:Webhooks:Proxy set.</summary>
public sealed class ProxiedVaultApp : SafeUrlVaultApp
{
    public FakeProxy Proxy { get; } = new();

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Vault:Webhooks:Proxy"] = Proxy.Url.ToString(),
    };

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        await Proxy.DisposeAsync();
    }
}

public sealed class ConfiguredProxyTests(ProxiedVaultApp app) : IClassFixture<ProxiedVaultApp>
{
    [Fact]
    public async Task A_configured_proxy_carries_webhooks_although_it_is_on_a_private_address()
    {
        app.Resolve("hooks.vendor.example", SafeUrlVaultApp.Public);
        var vendor = await app.RegisterVendorAsync(webhookUrl: "https://hooks.vendor.example/vault");

        await app.GrantAsync(vendor, await app.SignUpAsync());

        await Eventually.HoldsAsync(() => app.Proxy.RequestLines.Contains("CONNECT hooks.vendor.example:443 HTTP/1.1"),
            () => $"The webhook did not go through the proxy; it saw: {string.Join(", ", app.Proxy.RequestLines)}");
    }

    [Fact]
    public async Task Through_the_proxy_a_receiver_that_now_resolves_to_a_private_address_is_not_sent_to()
    {
        app.Resolve("moved.vendor.example", SafeUrlVaultApp.Public);
        var vendor = await app.RegisterVendorAsync(webhookUrl: "https://moved.vendor.example/vault");
        app.Resolve("moved.vendor.example", IPAddress.Parse("10.0.0.7"));

        await app.GrantAsync(vendor, await app.SignUpAsync());

        var lastError = await app.FirstFailureAsync(vendor);
        Assert.StartsWith("Refused to send to moved.vendor.example", lastError);
        Assert.DoesNotContain(app.Proxy.RequestLines, l => l.Contains("moved.vendor.example", StringComparison.Ordinal));
    }
}
