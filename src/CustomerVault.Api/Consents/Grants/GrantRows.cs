using CustomerVault.Infrastructure.EventStore;
using Marten;

namespace CustomerVault.Consents;

/// <summary>Grants in plain SQL, for another feature's set-based statement: the owner reads its own document here, so no one else does.</summary>
public static class GrantRows
{
    /// <summary>
    /// A SELECT of a vendor's grants active at an instant (two positional <c>?</c> parameters: the vendor's id, the instant),
    /// one row each: id, vendor_id, customer_id, version, and, as the JSON values the grant holds, request_id, scopes,
    /// purpose and expires_at.
    /// </summary>
    public static string ActiveOfVendor(IDocumentStore store) =>
        $"""
         SELECT id, vendor_id, customer_id, version,
                data -> 'RequestId' AS request_id, data -> 'Scopes' AS scopes, data -> 'Purpose' AS purpose, data -> 'ExpiresAt' AS expires_at
         FROM {store.TableOf<Grant>()}
         WHERE vendor_id = ? AND status = '{GrantStatus.Active}' AND expires_at > ?
         """;
}
