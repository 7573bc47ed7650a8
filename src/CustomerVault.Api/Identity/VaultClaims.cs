namespace CustomerVault.Identity;

public static class VaultClaims
{
    /// <summary>The customer's vault id (for customers), or the client id (for client-credentials tokens).</summary>
    public const string Subject = "sub";

    /// <summary>
    /// Which kind of party holds the token. Issued by the authorization server only, so an endpoint for customers
    /// can refuse a vendor's token even if that vendor's client were ever given a customer scope.
    /// </summary>
    public const string ActorType = "vault_actor";

    /// <summary>In a vendor's token: the vendor's id in the vault (its client id is the subject).</summary>
    public const string VendorId = "vault_vendor";

    public static class ActorTypes
    {
        public const string Customer = "customer";
        public const string Vendor = "vendor";
        public const string Auditor = "auditor";
        public const string Operator = "operator";

        public static readonly IReadOnlySet<string> Clients = new HashSet<string>([Vendor, Auditor, Operator]);
    }
}

/// <summary>The OAuth scopes of the vault's API: what a token may be used for.</summary>
public static class VaultScopes
{
    public const string Profile = "vault.profile";
    public const string Consents = "vault.consents";
    public const string Access = "vault.access";
    public const string Audit = "vault.audit";
    public const string Admin = "vault.admin";

    /// <summary>The audience (resource) every access token for this API carries.</summary>
    public const string Audience = "customervault-api";

    public static readonly IReadOnlyDictionary<string, string> Descriptions = new Dictionary<string, string>
    {
        [Profile] = "Read and change your own profile in the vault.",
        [Consents] = "See and decide on access requests, manage your grants and see who read your data.",
        [Access] = "Vendor systems: request access to customers' data and read what was granted.",
        [Audit] = "Auditors: replay the consent history.",
        [Admin] = "Operators: register and manage vendors.",
    };

    public static IReadOnlyList<string> ForCustomers { get; } = [Profile, Consents];

    public static IReadOnlyList<string> ForActorType(string actorType) => actorType switch
    {
        VaultClaims.ActorTypes.Customer => ForCustomers,
        VaultClaims.ActorTypes.Vendor => [Access],
        VaultClaims.ActorTypes.Auditor => [Audit],
        VaultClaims.ActorTypes.Operator => [Admin],
        _ => [],
    };
}
