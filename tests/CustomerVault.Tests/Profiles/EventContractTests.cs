using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Profiles;
using Marten;
using Newtonsoft.Json.Linq;
using Snapshooter.Xunit;

namespace CustomerVault.Tests.Profiles;

/// <summary>
/// Stored events are a contract with every later reader (replays, audits, exports): their type names and JSON
/// shapes may only change deliberately, with an upcaster. A changed snapshot here means a changed contract.
/// </summary>
public sealed class EventContractTests
{
    private static readonly Guid Customer = Guid.Parse("0193a2f0-0000-7000-8000-000000000001");
    private static readonly DateTimeOffset At = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Profile_events_are_stored_under_stable_names_and_shapes()
    {
        var options = new StoreOptions();
        EventStoreSetup.ConfigureStore(options);
        var serializer = options.Serializer();

        var stored = new object[]
        {
            new CustomerRegistered(Customer, At),
            new ProfileAttributeSet(Customer, "contact.email", "v1.c2VhbGVk", At),
            new ProfileAttributeCleared(Customer, "contact.email", At),
        }.ToDictionary(e => ((Marten.Events.EventGraph)options.Events).EventMappingFor(e.GetType()).EventTypeName, e => JToken.Parse(serializer.ToJson(e)));

        Snapshot.Match(stored);
    }
}
