using System.Diagnostics;
using System.Text.Json;
using CustomerVault.AccessLog;
using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Profiles;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CustomerVault.VendorAccess;

/// <param name="Reason">Why not: no-contact-grant, channel-not-granted, channel-not-accepted or weekly-cap-reached; absent when allowed.</param>
/// <param name="WeeklyLimit">The lower of the grant's and the customer's weekly maximum.</param>
/// <param name="ContactsLast7Days">Contacts recorded in the last seven days, on every channel.</param>
public sealed record ContactPermission(
    string Channel, bool Allowed, string? Reason, string Detail, int? WeeklyLimit, int ContactsLast7Days, IReadOnlyList<Guid> Grants);

/// <param name="Channel">phone or post: a contact the vault cannot deliver itself. Messages (e-mail, SMS, her inbox) go through POST /v1/customers/{id}/messages.</param>
public sealed record ContactBody(string? Channel);

public static class Contacts
{
    /// <summary>Her inbox in the vault: every message lands there, whatever else carries it.</summary>
    public const string Portal = "portal";

    /// <summary>What the vault delivers itself: vendors send messages on these, never report them.</summary>
    public static readonly IReadOnlyList<string> MessageChannels = ["email", "sms", Portal];

    /// <summary>What the vault cannot deliver: the vendor makes the call or sends the letter, and reports it here first.</summary>
    public static readonly IReadOnlyList<string> SelfReportedChannels = ["phone", "post"];

    /// <summary>
    /// Whether a vendor may contact a customer on a channel now: an active grant must carry contact terms with
    /// that channel; the customer's own communication preferences, when set, must accept it; and fewer contacts
    /// than the lower weekly maximum may have been recorded in the last seven days. Her portal inbox is part of every
    /// grant that allows contact at all (every message lands there anyway), so it needs no channel of its own; it
    /// counts against the same cap.
    /// </summary>
    public static ContactPermission Decide(string channel, IReadOnlyList<Grant> activeGrants, CommunicationPreferences? preferences, int contactsLast7Days)
    {
        var withContact = activeGrants.Where(g => g.ContactTerms is not null).ToList();
        if (withContact.Count == 0)
        {
            return Denied("no-contact-grant", "No active grant of this customer allows you to contact her.");
        }

        var onChannel = channel == Portal ? withContact : withContact.Where(g => g.ContactTerms!.Channels.Contains(channel)).ToList();
        if (onChannel.Count == 0)
        {
            return Denied("channel-not-granted", $"Her grants allow contact by {string.Join(", ", withContact.SelectMany(g => g.ContactTerms!.Channels).Distinct())}, not {channel}.");
        }

        if (channel != Portal && preferences is not null && !preferences.Channels.Contains(channel))
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

    /// <summary>
    /// How many contacts a week the vendor may make in all (the cap her inbox, which every contact grant includes, is
    /// held to): the highest of its grants' caps, lowered by her own preference; null when no active grant allows contact.
    /// </summary>
    public static int? WeeklyLimit(IReadOnlyList<Grant> activeGrants, CommunicationPreferences? preferences) =>
        activeGrants.Where(g => g.ContactTerms is not null).Select(g => (int?)g.ContactTerms!.MaxContactsPerWeek).Max() is { } cap
            ? Math.Min(cap, preferences?.MaxContactsPerWeek ?? int.MaxValue)
            : null;

    /// <summary>
    /// When the next contact fits under the cap again: once enough of the last seven days' contacts (oldest first)
    /// have aged out of the window that fewer than <paramref name="limit"/> remain.
    /// </summary>
    public static DateTimeOffset NextAllowedAt(IReadOnlyList<DateTimeOffset> recentContacts, int limit) =>
        recentContacts[Math.Max(0, recentContacts.Count - Math.Max(limit, 0))] + AccessUsage.ContactWindow;

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
            .WithSummary("Report a call or a letter before you make it: it counts against the weekly cap and appears in the customer's access log")
            .WithDescription("Only for channels the vault cannot deliver (phone, post); e-mail, SMS and her inbox take a message (SendMessage). "
                             + "Decided under the same lock and cap as messages: 403 with the reason, or 429 with nextAllowedAt when the weekly cap is reached.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status410Gone)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        return vendor;
    }

    private static async Task<Ok<ContactPermission>> GetPermission(
        Guid customerId, string? channel, CallingVendor vendor, IQuerySession session, NpgsqlDataSource dataSource, CustomerKeyring keyring,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        ValidateChannel(channel, [.. Catalog.Channels, Portal]);
        var now = clock.Now();
        var customer = await PairwiseIds.CustomerOfAsync(session, vendor.Id, customerId, cancellationToken);
        var (grants, preferences) = await ContactCap.StateAsync(session, keyring, vendor.Id, customer, null, now, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var recent = await ContactCap.RecentContactsAsync(connection, vendor.Id, customer, now, cancellationToken);
        return TypedResults.Ok(Decide(channel!, grants, preferences, recent.Count));
    }

    private static async Task<Created<AccessLogItem>> RecordContact(
        Guid customerId, ContactBody body, CallingVendor vendor, IQuerySession session, NpgsqlDataSource dataSource, CustomerKeyring keyring,
        TimeProvider clock, HttpContext http, CancellationToken cancellationToken)
    {
        ValidateChannel(body.Channel, SelfReportedChannels);
        var now = clock.Now();
        var customer = await PairwiseIds.CustomerOfAsync(session, vendor.Id, customerId, cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var admission = await ContactCap.AdmitAsync(connection, session, keyring, vendor.Id, customer, body.Channel!, null, now, cancellationToken);
        var entry = new AccessLogEntry(Guid.CreateVersion7(), customer, vendor.Id, AccessKind.Contact, admission.Grants[0].Purpose, admission.Permission.Grants, [],
            body.Channel, now, Activity.Current?.TraceId.ToString() ?? http.TraceIdentifier);
        await AccessLogTable.WriteAsync(connection, [entry], cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/v1/customers/{customerId}/contacts/{entry.Id}",
            new AccessLogItem(entry.Id, VendorSummary.Of(vendor.Vendor, vendor.Id), "contact", entry.Purpose, entry.GrantIds, [], entry.Channel, now, entry.RequestId));
    }

    internal static void ValidateChannel(string? channel, IReadOnlyList<string> allowed)
    {
        if (channel is null || !allowed.Contains(channel))
        {
            throw RequestValidationException.For("channel", $"is required and must be one of {string.Join(", ", allowed)}.");
        }
    }
}
