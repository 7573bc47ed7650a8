using System.Globalization;
using System.Text.Json;
using CustomerVault.AccessLog;
using CustomerVault.Consents;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Profiles;
using Marten;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace CustomerVault.VendorAccess;

/// <summary>A contact decided under the weekly cap: the permission, and the grants it rests on.</summary>
public sealed record ContactAdmission(ContactPermission Permission, IReadOnlyList<Grant> Grants);

/// <summary>
/// One gate for every contact, whether the vault delivers it (a message) or the vendor reports one it made itself (a
/// call, a letter): the grants, her preferences and the count of the last seven days are decided on under one lock per
/// vendor and customer, held until the caller's transaction records the contact. Two contacts at once never both slip
/// under the cap.
/// </summary>
public static class ContactCap
{
    /// <summary>
    /// Takes the lock in the connection's open transaction and decides; throws <see cref="ContactRefusedException"/>
    /// when the contact is not permitted. The caller records the contact in the same transaction.
    /// </summary>
    /// <param name="purpose">Only grants for this purpose count; null counts every grant.</param>
    public static async Task<ContactAdmission> AdmitAsync(
        NpgsqlConnection connection, IQuerySession session, CustomerKeyring keyring, Guid vendorId, Guid customerId, string channel, string? purpose,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var (grants, preferences) = await StateAsync(session, keyring, vendorId, customerId, purpose, now, cancellationToken);
        await Locks.LockAsync(connection, "contact", vendorId, customerId, cancellationToken);
        var recent = await RecentContactsAsync(connection, vendorId, customerId, now, cancellationToken);
        var permission = Contacts.Decide(channel, grants, preferences, recent.Count);
        if (!permission.Allowed)
        {
            throw new ContactRefusedException(permission,
                permission.Reason == "weekly-cap-reached" ? Contacts.NextAllowedAt(recent, permission.WeeklyLimit!.Value) : null);
        }

        return new ContactAdmission(permission, grants.Where(g => permission.Grants.Contains(g.Id)).ToList());
    }

    /// <summary>The vendor's active grants of this customer (for a purpose, when named; a paused grant allows no contact either) and her communication preferences.</summary>
    public static async Task<(IReadOnlyList<Grant> Grants, CommunicationPreferences? Preferences)> StateAsync(
        IQuerySession session, CustomerKeyring keyring, Guid vendorId, Guid customerId, string? purpose, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var grants = (await session.Query<Grant>()
            .Where(g => g.VendorId == vendorId && g.CustomerId == customerId)
            .WithStatus(GrantStatus.Active, now)
            .ToListAsync(cancellationToken)).Where(g => (purpose is null || g.Purpose == purpose) && !g.IsPausedAt(now)).ToList();
        return grants.Count == 0 ? ([], null) : (grants, await PreferencesAsync(session, keyring, customerId, cancellationToken));
    }

    // The vault opens the preferences to decide; their value never leaves it.
    private static async Task<CommunicationPreferences?> PreferencesAsync(IQuerySession session, CustomerKeyring keyring, Guid customerId, CancellationToken cancellationToken)
    {
        const string attribute = "preferences.communication";
        var profile = await session.LoadAsync<Profile>(customerId, cancellationToken);
        if (profile is null || !profile.Attributes.TryGetValue(attribute, out var sealedValue))
        {
            return null;
        }

        var cipher = await keyring.OpenAsync(session, customerId, cancellationToken);
        return cipher is null ? null : JsonSerializer.Deserialize<CommunicationPreferences>(cipher.Open(attribute, sealedValue), JsonSerializerOptions.Web);
    }

    /// <summary>When each contact of the last seven days was made, oldest first.</summary>
    public static async Task<IReadOnlyList<DateTimeOffset>> RecentContactsAsync(
        NpgsqlConnection connection, Guid vendorId, Guid customerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"SELECT at FROM {AccessLogTable.Name} WHERE customer_id = $1 AND vendor_id = $2 AND kind = 'contact' AND at > $3 ORDER BY at", connection)
        {
            Parameters = { new() { Value = customerId }, new() { Value = vendorId }, new() { Value = now - AccessUsage.ContactWindow } },
        };
        var times = new List<DateTimeOffset>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            times.Add(reader.GetFieldValue<DateTimeOffset>(0));
        }

        return times;
    }
}

/// <summary>
/// The contact is not permitted: 403 saying why, or 429 when the weekly cap is reached, with when the next contact is
/// allowed (<c>nextAllowedAt</c> and <c>Retry-After</c>).
/// </summary>
public sealed class ContactRefusedException(ContactPermission permission, DateTimeOffset? nextAllowedAt) : Exception(permission.Detail)
{
    public ContactPermission Permission { get; } = permission;

    public DateTimeOffset? NextAllowedAt { get; } = nextAllowedAt;

    public ProblemDetails Problem(HttpContext context, DateTimeOffset now)
    {
        var problem = new ProblemDetails { Title = "This contact is not permitted.", Detail = Message };
        problem.Extensions["reason"] = Permission.Reason;
        if (NextAllowedAt is { } next)
        {
            problem.Status = StatusCodes.Status429TooManyRequests;
            problem.Title = "The weekly cap of contacts is reached.";
            problem.Extensions["limit"] = Permission.WeeklyLimit;
            problem.Extensions["current"] = Permission.ContactsLast7Days;
            problem.Extensions["nextAllowedAt"] = next;
            context.Response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling((next - now).TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        }
        else
        {
            problem.Status = StatusCodes.Status403Forbidden;
        }

        return problem;
    }
}
