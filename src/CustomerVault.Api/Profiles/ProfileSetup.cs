using CustomerVault.Infrastructure.EventStore;
using Marten;

namespace CustomerVault.Profiles;

public static class ProfileSetup
{
    /// <summary>The customer's profile: its stream in the event store; its endpoints are on the API's map.</summary>
    public static IHostApplicationBuilder AddVaultProfiles(this IHostApplicationBuilder builder)
    {
        builder.Services.AddStorePart<ProfileStore>();
        return builder;
    }
}

/// <summary>The profile stream: the state others read (the vendor read, erasure checks) is loaded as a whole, by its type.</summary>
public sealed class ProfileStore : IStorePart
{
    public void Configure(StoreOptions options) => options.AddEventStream<Profile>();
}
