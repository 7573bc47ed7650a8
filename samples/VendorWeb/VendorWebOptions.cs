namespace VendorWeb;

/// <summary>
/// The vendor's web site and its registration with the vault (section <c>VendorWeb</c>). Defaults match the vault's
/// Development settings (the demo client <c>demo-vendor-web</c>); override with command-line switches
/// (<c>--VendorWeb:VaultUrl http://...</c>) or environment variables (<c>VENDORWEB_VendorWeb__VaultUrl</c>).
/// </summary>
public sealed class VendorWebOptions
{
    public const string Section = "VendorWeb";

    /// <summary>Where the site listens when no <c>urls</c> are configured.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5091";

    public string Name { get; set; } = "Orion Telescopes";

    public string VaultUrl { get; set; } = "http://localhost:5080";

    /// <summary>Where the vault reaches our webhook endpoint; default: the address the site listens on.</summary>
    public string? PublicUrl { get; set; }

    public string ClientId { get; set; } = "demo-vendor-web";

    public string ClientSecret { get; set; } = "demo-vendor-web-secret";

    /// <summary>The secret the vault signs our notifications with (whsec_...), as registered for our client.</summary>
    public string WebhookSecret { get; set; } = "whsec_2oW0h/C2CezbdRyfx2qO+FyieKfkg5vn1IdHzdvIqnc=";

    // What we ask customers for, and why: the authorization details of our request.
    public string Scopes { get; set; } = "name email phone";

    public string Purpose { get; set; } = "marketing";

    public string Description { get; set; } = "Our monthly telescope newsletter, with offers chosen for your observing.";

    public string Duration { get; set; } = "P6M";
}
