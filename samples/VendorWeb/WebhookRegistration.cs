using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using VendorClient;

namespace VendorWeb;

/// <summary>
/// Tells the vault, once the site is up, where to send our notifications (our webhook endpoint), keeping the signing
/// secret we already have. After the start, so the address the site listens on is known.
/// </summary>
public sealed class WebhookRegistration(
    IServer server, IHostApplicationLifetime lifetime, VendorWebOptions options, VaultClient vault, ILogger<WebhookRegistration> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        {
            await started.Task.WaitAsync(stoppingToken);
        }

        var baseUrl = options.PublicUrl ?? server.Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var url = baseUrl.TrimEnd('/') + WebhookListener.Path;
        try
        {
            await vault.UseWebhookAsync(url, rotateSecret: false, stoppingToken);
            logger.LogInformation("The vault sends our notifications to {Url}", url);
        }
        catch (HttpRequestException e)
        {
            // The site works without them, but would not learn of revocations until its next read: say so loudly.
            logger.LogError(e, "Could not register our webhook endpoint {Url} with the vault at {VaultUrl}", url, options.VaultUrl);
        }
    }
}
