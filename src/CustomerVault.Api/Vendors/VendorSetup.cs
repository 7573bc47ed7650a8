using CustomerVault.Infrastructure.EventStore;
using Marten;

namespace CustomerVault.Vendors;

public static class VendorSetup
{
    /// <summary>The vendor registry: its stream, the registry that keeps each vendor's OAuth client with it, and the configured (demo) vendors.</summary>
    public static IHostApplicationBuilder AddVaultVendors(this IHostApplicationBuilder builder)
    {
        builder.Services.AddStorePart<VendorStore>();
        builder.Services.AddScoped<VendorRegistry>();
        // After the identity store's initializer: a configured vendor gets its OAuth client there.
        builder.Services.AddHostedService<ConfiguredVendors>();
        return builder;
    }
}

/// <summary>
/// The vendor stream, unique by OAuth client, and each vendor's sealed webhook secret beside it. The vendor read (a hot
/// path in plain SQL) needs only the vendor's status: it reads the status column kept beside the document, never its JSON.
/// </summary>
public sealed class VendorStore : IStorePart
{
    public void Configure(StoreOptions options)
    {
        options.AddEventStream<Vendor>().UniqueIndex(v => v.ClientId).Duplicate(v => v.Status);
        options.Schema.For<VendorWebhookSecret>();
    }
}
