using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CustomerVault.Api.Tests.Support;

/// <summary>
/// The vault on real Kestrel over a socket, for what the in-memory test server does not do as a network does:
/// chunked bodies, the server's own request limits, raw bytes and headers as a hostile client sends them, a browser.
/// </summary>
public class KestrelVaultApp : VaultApp
{
    public string BaseUrl { get; private set; } = "";

    protected override void Start()
    {
        UseKestrel(0);
        StartServer();
        BaseUrl = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::]", "127.0.0.1");
    }

    protected override HttpClient CreateHttpClient(bool handleCookies) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = handleCookies }) { BaseAddress = new Uri(BaseUrl) };
}
