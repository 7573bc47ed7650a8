namespace VendorClient;

/// <summary>
/// Where the vault is and who we are. Defaults match the vault's Development settings (the demo vendor);
/// override with command-line switches (<c>--VaultUrl http://...</c>) or environment variables (<c>VENDORCLIENT_VaultUrl</c>).
/// </summary>
public sealed class VendorClientOptions
{
    public string VaultUrl { get; set; } = "http://localhost:5080";

    public string ClientId { get; set; } = "demo-vendor";

    public string ClientSecret { get; set; } = "demo-vendor-secret";

    /// <summary>Where our webhook listener listens; the vault must be able to reach it.</summary>
    public string ListenUrl { get; set; } = "http://127.0.0.1:5090";

    /// <summary>
    /// The webhook signing secret (whsec_...) if we already have it. When empty, the client rotates the secret
    /// on start and keeps the new one, which is fine for one listener and wrong for several.
    /// </summary>
    public string? WebhookSecret { get; set; }
}
