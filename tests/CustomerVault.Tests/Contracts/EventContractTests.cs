using CustomerVault.Consents;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Profiles;
using CustomerVault.Vendors;
using Marten;
using Newtonsoft.Json.Linq;
using Snapshooter.Xunit;

namespace CustomerVault.Tests.Contracts;

/// <summary>
/// Stored events are a contract with every later reader (replays, audits, exports): their type names and JSON
/// shapes may only change deliberately, with an upcaster. A changed snapshot here means a changed contract.
/// </summary>
public sealed class EventContractTests
{
    private static readonly Guid Customer = Guid.Parse("0193a2f0-0000-7000-8000-000000000001");
    private static readonly Guid Vendor = Guid.Parse("0193a2f0-0000-7000-8000-000000000002");
    private static readonly Guid Request = Guid.Parse("0193a2f0-0000-7000-8000-000000000003");
    private static readonly Guid GrantId = Guid.Parse("0193a2f0-0000-7000-8000-000000000004");
    private static readonly DateTimeOffset At = new(2026, 11, 22, 10, 0, 0, TimeSpan.Zero);
    private static readonly ContactTerms Terms = new(["email"], 2);

    public static readonly object[] Samples =
    [
        new CustomerRegistered(Customer, At),
        new ProfileAttributeSet(Customer, "contact.email", "v1.c2VhbGVk", At),
        new ProfileAttributeCleared(Customer, "contact.email", At),
        new CustomerErased(Customer, At),
        new VendorRegistered(Vendor, "vendor-x", "Stargazer Optics", "https://stargazer.example", "privacy@stargazer.example", ["name", "email"], null, At,
            ["https://stargazer.example/signin-oidc"], [new DeclaredRetention("service-delivery", "P6M")]),
        new VendorRedirectUrisChanged(Vendor, ["https://stargazer.example/signin-oidc", "https://shop.stargazer.example/signin-oidc"], At),
        new VendorSecretRotated(Vendor, At),
        new VendorSuspended(Vendor, "Breach under investigation", At),
        new VendorReactivated(Vendor, At),
        new VendorWebhookChanged(Vendor, "https://stargazer.example/hooks/vault", At),
        new VendorWebhookSecretRotated(Vendor, At),
        new VendorRetentionDeclared(Vendor, [new DeclaredRetention("marketing", "P30D")], At),
        new AccessRequested(Request, Vendor, Customer, ["name", "email"], "marketing", "Newsletter", "P6M", Terms, At, At.AddDays(30), GrantId),
        new AccessRequestApproved(Request, GrantId, ["email"], At.AddMonths(6), At),
        new AccessRequestDenied(Request, "No thanks", At),
        new AccessRequestExpired(Request, At),
        new AccessGranted(GrantId, Vendor, Customer, Request, ["email"], "marketing", "Newsletter", Terms, At, At.AddMonths(6)),
        new GrantExtended(GrantId, Request, ["name", "email"], "Newsletter", Terms, At.AddYears(1), At),
        new GrantNarrowed(GrantId, ["name"], ["email"], At),
        new GrantContactEnded(GrantId, "unsubscribed", Guid.Parse("0193a2f0-0000-7000-8000-000000000005"), At),
        new GrantReviewReminded(GrantId, Guid.Parse("0193a2f0-0000-7000-8000-000000000006"), At, At.AddDays(120), At.AddDays(90)),
        new GrantPaused(GrantId, At, At.AddDays(120)),
        new GrantConfirmed(GrantId, true, At.AddDays(121)),
        new GrantRevoked(GrantId, "Changed my mind", At, "too-many-messages"),
        new GrantDeletionConfirmed(GrantId, "deleted", ["email"], At.AddDays(-1), At, true),
        new GrantRelinquished(GrantId, null, At),
        new GrantExpired(GrantId, At),
    ];

    [Fact]
    public void Events_are_stored_under_stable_names_and_shapes()
    {
        var options = new StoreOptions();
        EventStoreSetup.ConfigureStore(options);
        var serializer = options.Serializer();
        var events = (Marten.Events.EventGraph)options.Events;

        var stored = Samples.ToDictionary(e => events.EventMappingFor(e.GetType()).EventTypeName, e => JToken.Parse(serializer.ToJson(e)));

        Snapshot.Match(stored);
    }

    [Fact]
    public void Every_event_type_of_the_vault_is_registered_and_sampled()
    {
        var eventTypes = typeof(EventStoreSetup).Assembly.GetTypes()
            .Where(t => t.Namespace is "CustomerVault.Profiles" or "CustomerVault.Consents" or "CustomerVault.Vendors")
            .Where(t => t is { IsClass: true, IsSealed: true } && t.GetMethod("<Clone>$") is not null)
            .Where(t => typeof(EventStoreSetup).Assembly.GetTypes().Any(agg => agg.GetMethods().Any(m =>
                m.Name is "Apply" or "Create" && m.GetParameters() is [var p] && p.ParameterType == t)))
            .ToHashSet();

        Assert.Equal(eventTypes.OrderBy(t => t.Name).Select(t => t.Name), Samples.Select(s => s.GetType()).Distinct().OrderBy(t => t.Name).Select(t => t.Name));
    }
}
