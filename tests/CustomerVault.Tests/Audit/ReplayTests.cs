using CustomerVault.Audit;
using CustomerVault.Consents;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Profiles;
using CustomerVault.Tests.Contracts;
using CustomerVault.Vendors;
using Marten;

namespace CustomerVault.Tests.Audit;

/// <summary>Replay folds with the streams the store registers, so every stored event can be replayed the way it was projected.</summary>
public sealed class ReplayTests
{
    private static readonly StoreOptions Store = Configured();
    private static readonly Replay Replay = Replay.Of(Store);
    private static readonly EventStream[] Streams = [EventStream.Of<Profile>(), EventStream.Of<Vendor>(), EventStream.Of<AccessRequest>(), EventStream.Of<Grant>()];
    private static readonly DateTimeOffset At = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Every_event_of_the_vault_is_registered_and_replayed_by_its_stream()
    {
        var registered = ((IReadOnlyStoreOptions)Store).Events.AllKnownEventTypes().Select(e => e.EventType).Where(t => t.Assembly == typeof(Grant).Assembly);
        Assert.Equal(EventContractTests.Samples.Select(s => s.GetType()).Distinct().OrderBy(t => t.Name), registered.OrderBy(t => t.Name));

        // The samples are the streams one after the other, each from the event that starts it.
        object? state = null;
        foreach (var e in EventContractTests.Samples)
        {
            state = Replay.Evolve(Streams.Any(s => s.Starts(e.GetType())) ? null : state, e);
            Assert.Contains(e.GetType(), EventStream.Of(state.GetType())!.EventTypes);
        }
    }

    [Fact]
    public void A_stream_folds_as_its_Apply_methods_say_with_the_version_stamped()
    {
        var grantId = Guid.NewGuid();
        var granted = new AccessGranted(grantId, Guid.NewGuid(), Guid.NewGuid(), null, ["email", "name"], Purposes.Marketing, "", null, At, At.AddMonths(6));
        var narrowed = new GrantNarrowed(grantId, ["name"], ["email"], At.AddDays(1));
        var revoked = new GrantRevoked(grantId, "Enough", At.AddDays(2));

        var folded = (Grant)Replay.Fold([(1, granted), (2, narrowed), (3, revoked)])!;

        // Equivalent, not equal: the state's lists are built anew on each Apply, and records compare lists by reference.
        Assert.Equivalent(Grant.Create(granted).Apply(narrowed).Apply(revoked) with { Version = 3 }, folded, strict: true);
        Assert.Equal(3, folded.Version);
        Assert.Equal("grant", Replay.KindOf(folded));
        Assert.Equal("access-request", Replay.KindOf(AccessRequest.Create(new AccessRequested(
            Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), ["email"], Purposes.Marketing, "Newsletter", "P6M", null, At, At.AddDays(30)))));
    }

    [Fact]
    public void An_event_that_cannot_follow_the_state_is_a_broken_stream()
    {
        var profile = Profile.Create(new CustomerRegistered(Guid.NewGuid(), At));

        Assert.Throws<InvalidOperationException>(() => Replay.Evolve(profile, new GrantRevoked(Guid.NewGuid(), null, At)));
        Assert.Throws<InvalidOperationException>(() => Replay.Evolve(null, new GrantRevoked(Guid.NewGuid(), null, At)));
    }

    private static StoreOptions Configured()
    {
        var options = new StoreOptions();
        EventStoreSetup.ConfigureStore(options);
        return options;
    }
}
