using System.Net;
using System.Net.Sockets;

namespace CustomerVault.Api.Tests.Support;

/// <summary>
/// The vault on real Kestrel at an address of its own, named as its issuer: what a client outside the process (the
/// CLI, a script) reaches through discovery, its token endpoint and its published keys, as over a network.
/// </summary>
public class KestrelVaultApp : VaultApp
{
    private readonly int _port = FreePort();

    /// <summary>Its address, without the trailing slash (as one types it).</summary>
    public string BaseUrl => $"http://127.0.0.1:{_port}";

    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        // Discovery names the token endpoint and the keys under the issuer: it must be the address the vault answers at.
        ["Vault:Tokens:Issuer"] = BaseUrl + "/",
    };

    protected override void Start()
    {
        UseKestrel(_port);
        StartServer();
    }

    protected override HttpClient CreateHttpClient(bool handleCookies) =>
        new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = handleCookies }) { BaseAddress = new Uri(BaseUrl) };

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
