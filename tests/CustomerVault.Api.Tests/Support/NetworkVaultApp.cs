using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace CustomerVault.Api.Tests.Support;

/// <summary>
/// The vault on real Kestrel, for what only real connections show: where a request comes from. A client can connect
/// from any loopback address (127.0.0.2, 127.0.0.3, ...), so a test has as many distinct client addresses as it needs.
/// </summary>
public class NetworkVaultApp : VaultApp
{
    public string BaseUrl { get; private set; } = "";

    /// <summary>The port to listen on; 0: any free one.</summary>
    protected virtual int Port => 0;

    protected override void Start()
    {
        UseKestrel(Port);
        StartServer();
        BaseUrl = Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().Replace("[::]", "127.0.0.1");
    }

    // Over the network, from 127.0.0.1.
    protected override HttpClient CreateHttpClient(bool handleCookies) => CreateClientFrom("127.0.0.1", handleCookies);

    /// <summary>A browser (cookies kept, redirects not followed) whose connections come from this loopback address.</summary>
    public HttpClient CreateBrowserFrom(string address) => CreateClientFrom(address, handleCookies: true);

    private HttpClient CreateClientFrom(string address, bool handleCookies) =>
        new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = handleCookies,
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        { BaseAddress = new Uri(BaseUrl) };
}
