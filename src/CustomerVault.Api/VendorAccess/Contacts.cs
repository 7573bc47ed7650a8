using CustomerVault.AccessLog;
using CustomerVault.Infrastructure;
using System.Diagnostics;
using System.Text.Json;
using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Profiles;
using CustomerVault.Vendors;
using Marten;
using Npgsql;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.VendorAccess;

/// <param name="Reason">Why not: no-contact-grant, channel-not-granted, channel-not-accepted or weekly-cap-reached; absent when allowed.</param>
/// <param name="WeeklyLimit">The lower of the grant's and the customer's weekly maximum.</param>
/// <param name="ContactsLast7Days">Contacts recorded in the last seven days, on every channel.</param>
public sealed record ContactPermission(
    string Channel, bool Allowed, string? Reason, string Detail, int? WeeklyLimit, int ContactsLast7Days, IReadOnlyList<Guid> Grants);

public sealed record ContactBody(string? Channel);

public static class Contacts
{
    /// <summary>
    /// Whether a vendor may contact a customer on a channel now: an active grant must carry contact terms with
    /// that channel; the customer's own communication preferences, when set, must accept it; and fewer contacts
    /// than the lower weekly maximum may have been recorded in the last seven days.
    /// </summary>
    public static ContactPermission Decide(string channel, IReadOnlyList<Grant> activeGrants, CommunicationPreferences? preferences, int contactsLast7Days)
    {
        var withContact = activeGrants.Where(g => g.ContactTerms is not null).ToList();
        if (withContact.Count == 0)
        {
            return Denied("no-contact-grant", "No active grant of this customer allows you to contact her.");
        }

        var onChannel = withContact.Where(g => g.ContactTerms!.Channels.Contains(channel)).ToList();
        if (onChannel.Count == 0)
        {
            return Denied("channel-not-granted", $"Her grants allow contact by {string.Join(", ", withContact.SelectMany(g => g.ContactTerms!.Channels).Distinct())}, not {channel}.");
        }

        if (preferences is not null && !preferences.Channels.Contains(channel))
        {
            return Denied("channel-not-accepted", $"Her communication preferences do not accept {channel} at present.");
        }

        var limit = Math.Min(onChannel.Max(g => g.ContactTerms!.MaxContactsPerWeek), preferences?.MaxContactsPerWeek ?? int.MaxValue);
        if (contactsLast7Days >= limit)
        {
            return new ContactPermission(channel, false, "weekly-cap-reached",
                $"{contactsLast7Days} contacts in the last seven days; at most {limit} are allowed.", limit, contactsLast7Days, onChannel.Select(g => g.Id).ToList());
        }

        return new ContactPermission(channel, true, null, $"{limit - contactsLast7Days} more this week.", limit, contactsLast7Days, onChannel.Select(g => g.Id).ToList());

        ContactPermission Denied(string reason, string detail) => new(channel, false, reason, detail, null, contactsLast7Days, []);
    }

    public static IEndpointRouteBuilder MapContacts(this IEndpointRouteBuilder vendor)
    {
        vendor.MapGet("/customers/{customerId:guid}/contact-permission", GetPermission)
            .WithName("GetContactPermission")
            .WithSummary("May you contact this customer on this channel now? Allowed or denied, with the reason")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone);
        vendor.MapPost("/customers/{customerId:guid}/contacts", RecordContact)
            .WithName("RecordContact")
            .WithSummary("Record a contact: it counts against the weekly cap and appears in the customer's access log")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone);
        return vendor;
    }

    private static async Task<Ok<ContactPermission>> GetPermission(
        Guid customerId, string? channel, CallingVendor vendor, IQuerySession session, NpgsqlDataSource dataSource, CustomerKeyring keyring,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        ValidateChannel(channel);
        var now = clock.Now();
        var customer = await PairwiseIds.CustomerOfAsync(session, vendor.Id, customerId, cancellationToken);
        var (grants, preferences) = await ContactStateAsync(session, keyring, vendor.Id, customer, now, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var usage = await AccessUsage.ForCustomerAsync(connection, customer, now, cancellationToken, vendor.Id);
        return TypedResults.Ok(Decide(channel!, grants, preferences, usage.GetValueOrDefault(vendor.Id)?.ContactsLast7Days ?? 0));
    }

    private static async Task<Results<Created<AccessLogItem>, ProblemHttpResult>> RecordContact(
        Guid customerId, ContactBody body, CallingVendor vendor, IQuerySession session, NpgsqlDataSource dataSource, CustomerKeyring keyring,
        TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        ValidateChannel(body.Channel);
        var now = clock.Now();
        var customer = await PairwiseIds.CustomerOfAsync(session, vendor.Id, customerId, cancellationToken);
        var (grants, preferences) = await ContactStateAsync(session, keyring, vendor.Id, customer, now, cancellationToken);

        // Two contacts recorded at once must not both slip under the cap: count and record under one lock.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Locks.LockAsync(connection, "contact", vendor.Id, customer, cancellationToken);
        var usage = await AccessUsage.ForCustomerAsync(connection, customer, now, cancellationToken, vendor.Id);
        var permission = Decide(body.Channel!, grants, preferences, usage.GetValueOrDefault(vendor.Id)?.ContactsLast7Days ?? 0);
        if (!permission.Allowed)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "This contact is not permitted.", detail: permission.Detail,
                extensions: new Dictionary<string, object?> { ["reason"] = permission.Reason });
        }

        var purpose = grants.First(g => permission.Grants.Contains(g.Id)).Purpose;
        var entry = new AccessLogEntry(Guid.CreateVersion7(), customer, vendor.Id, AccessKind.Contact, purpose, permission.Grants, [],
            body.Channel, now, Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier);
        await AccessLogTable.WriteAsync(connection, [entry], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/v1/customers/{customerId}/contacts/{entry.Id}",
            new AccessLogItem(entry.Id, VendorSummary.Of(vendor.Vendor, vendor.Id), "contact", entry.Purpose, entry.GrantIds, [], entry.Channel, now, entry.RequestId));
    }

    private static async Task<(IReadOnlyList<Grant> Grants, CommunicationPreferences? Preferences)> ContactStateAsync(
        IQuerySession session, CustomerKeyring keyring, Guid vendorId, Guid customerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var grants = await session.Query<Grant>()
            .Where(g => g.VendorId == vendorId && g.CustomerId == customerId)
            .WithStatus(GrantStatus.Active, now)
            .ToListAsync(cancellationToken);
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

    private static void ValidateChannel(string? channel)
    {
        if (channel is null || !Catalog.Channels.Contains(channel))
        {
            throw RequestValidationException.For("channel", $"is required and must be one of {string.Join(", ", Catalog.Channels)}.");
        }
    }
}
