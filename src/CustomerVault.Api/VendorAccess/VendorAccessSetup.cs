namespace CustomerVault.VendorAccess;

public static class VendorAccessSetup
{
    /// <summary>A vendor's access to customers' data: the read's one-round-trip query and its metrics (the read and contacts are on the API's map).</summary>
    public static IHostApplicationBuilder AddVaultVendorAccess(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<VendorReadQuery>();
        builder.Services.AddSingleton<VendorReadMetrics>();
        return builder;
    }
}
