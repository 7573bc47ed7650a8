namespace CustomerVault.Profiles;

// A customer's profile stream: one per customer, its id the customer's vault id (the token's sub).
// Attribute values in these events are sealed with the customer's data key (see CustomerCipher):
// the event store never holds a profile value in plain text.

public sealed record CustomerRegistered(Guid CustomerId, DateTimeOffset RegisteredAt);

public sealed record ProfileAttributeSet(Guid CustomerId, string Attribute, string SealedValue, DateTimeOffset SetAt);

public sealed record ProfileAttributeCleared(Guid CustomerId, string Attribute, DateTimeOffset ClearedAt);

/// <summary>
/// The customer erased her account. Her data key was destroyed in the same transaction, so every value sealed in
/// this stream is unreadable from now on; the events themselves stay, and their hash chain with them.
/// </summary>
public sealed record CustomerErased(Guid CustomerId, DateTimeOffset ErasedAt);

/// <summary>The profile as the event store projects it (inline): sealed values by attribute name.</summary>
public sealed record Profile(Guid Id, IReadOnlyDictionary<string, string> Attributes, DateTimeOffset RegisteredAt, DateTimeOffset UpdatedAt)
{
    /// <summary>The stream version: the profile's ETag.</summary>
    public long Version { get; set; }

    /// <summary>Set once the customer erased her account; the profile then holds nothing.</summary>
    public DateTimeOffset? ErasedAt { get; init; }

    public static Profile Create(CustomerRegistered e) =>
        new(e.CustomerId, new Dictionary<string, string>(), e.RegisteredAt, e.RegisteredAt);

    public Profile Apply(ProfileAttributeSet e) =>
        this with { Attributes = new Dictionary<string, string>(Attributes) { [e.Attribute] = e.SealedValue }, UpdatedAt = e.SetAt };

    public Profile Apply(ProfileAttributeCleared e)
    {
        var attributes = new Dictionary<string, string>(Attributes);
        attributes.Remove(e.Attribute);
        return this with { Attributes = attributes, UpdatedAt = e.ClearedAt };
    }

    public Profile Apply(CustomerErased e) => this with { Attributes = new Dictionary<string, string>(), UpdatedAt = e.ErasedAt, ErasedAt = e.ErasedAt };
}
