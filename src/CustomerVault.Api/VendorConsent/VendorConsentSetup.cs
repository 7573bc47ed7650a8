namespace CustomerVault.VendorConsent;

public static class VendorConsentSetup
{
    /// <summary>The vendors' side of the authorization server: what discovery says of their flows.</summary>
    public static IHostApplicationBuilder AddVaultVendorConsent(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenIddict().AddServer(options => options.AddEventHandler(VendorDiscovery.Descriptor));
        return builder;
    }
}
