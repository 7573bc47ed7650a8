using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace VendorClient;

/// <summary>One notification from the vault (a CloudEvent), after its signature checked out.</summary>
public sealed record VaultNotification(string Id, string Type, JsonObject Data)
{
    public const string Prefix = "com.customervault.";

    public string Kind => Type.StartsWith(Prefix, StringComparison.Ordinal) ? Type[Prefix.Length..] : Type;

    public Guid? GrantId => Data["grantId"] is { } id ? Guid.Parse((string)id!) : null;

    public Guid? RequestId => Data["requestId"] is { } id ? Guid.Parse((string)id!) : null;

    public Guid CustomerId => Guid.Parse((string)Data["customerId"]!);
}

/// <summary>
/// A small HTTP endpoint for the vault's notifications. It answers 401 to anything unsigned or badly signed,
/// 204 quickly to the rest (work happens after the answer, so the vault is not kept waiting), and drops
/// duplicates by webhook-id, since delivery is at least once.
/// </summary>
public sealed class WebhookListener : IAsyncDisposable
{
    public const string Path = "/webhooks/customervault";
    private readonly WebApplication _app;
    private readonly Channel<VaultNotification> _received = Channel.CreateUnbounded<VaultNotification>();
    private readonly ConcurrentDictionary<string, byte> _seen = new();

    private WebhookListener(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>Set once the secret is known (the vault may hand it to us only after we registered the URL).</summary>
    public WebhookVerifier? Verifier { get; set; }

    public ChannelReader<VaultNotification> Notifications => _received.Reader;

    public static async Task<WebhookListener> StartAsync(string listenUrl, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(listenUrl);
        var app = builder.Build();
        var listener = new WebhookListener(app);
        app.MapPost(Path, listener.ReceiveAsync);
        await app.StartAsync(cancellationToken);
        listener.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + Path;
        return listener;
    }

    /// <summary>Waits for the next notification that <paramref name="matches"/>, skipping others.</summary>
    public async Task<VaultNotification> WaitForAsync(Func<VaultNotification, bool> matches, CancellationToken cancellationToken)
    {
        await foreach (var notification in _received.Reader.ReadAllAsync(cancellationToken))
        {
            if (matches(notification))
            {
                return notification;
            }
        }

        throw new OperationCanceledException(cancellationToken);
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var body = await reader.ReadToEndAsync(request.HttpContext.RequestAborted);
        var id = request.Headers["webhook-id"].ToString();
        if (Verifier?.Verify(id, request.Headers["webhook-timestamp"], request.Headers["webhook-signature"], body) != true)
        {
            return Results.Unauthorized();
        }

        if (_seen.TryAdd(id, 0))
        {
            var cloudEvent = JsonNode.Parse(body)!.AsObject();
            await _received.Writer.WriteAsync(new VaultNotification(id, (string)cloudEvent["type"]!, cloudEvent["data"]!.AsObject()));
        }

        return Results.NoContent();
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
