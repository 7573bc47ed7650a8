using System.Text.RegularExpressions;
using CustomerVault.Audit;
using CustomerVault.Consents;
using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using CustomerVault.Messages;
using CustomerVault.VendorAccess;
using CustomerVault.Vendors;
using Marten;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CustomerVault.AccessLog;

/// <param name="LastRead">The company's latest read of your data, ever.</param>
/// <param name="ReadsLast30Days">Its reads in the last 30 days.</param>
/// <param name="ContactsLast7Days">Its messages and reported calls or letters in the last seven days: what counts against the weekly cap.</param>
/// <param name="WeeklyCap">How many contacts a week it may make: its grants' cap, lowered by your own preference; absent when no active grant allows contact.</param>
/// <param name="Dormant">It holds an active grant (for 90 days or more) but has not read your data in 90 days: does it still need it?</param>
/// <param name="ActiveGrants">Its active grants.</param>
public sealed record TimelineSummary(
    DateTimeOffset? LastRead, int ReadsLast30Days, int ContactsLast7Days, int? WeeklyCap, bool Dormant, IReadOnlyList<Guid> ActiveGrants);

/// <summary>Reads of one day with the same purpose and the same attributes, counted together.</summary>
/// <param name="Attributes">The names of the attributes read (never their values).</param>
/// <param name="Count">How many reads.</param>
/// <param name="First">The first of them that day.</param>
/// <param name="Last">The last of them that day.</param>
public sealed record TimelineRead(string Purpose, IReadOnlyList<string> Attributes, int Count, DateTimeOffset First, DateTimeOffset Last);

/// <param name="Id">The message, as your inbox names it.</param>
/// <param name="From">vendor (the company wrote to you) or customer (you wrote to it).</param>
/// <param name="Channel">email, sms or portal (your inbox).</param>
/// <param name="Kind">For yours: reply, feedback, idea, complaint or question.</param>
/// <param name="Status">pending, delivered, failed or cancelled.</param>
/// <param name="Reported">You reported it as unwanted.</param>
public sealed record TimelineMessage(Guid Id, string From, string Channel, string? Purpose, string? Kind, DateTimeOffset At, string Status, bool Reported);

/// <param name="Event">What changed, as the grant's events say: granted, extended, narrowed, contact-ended, revoked, relinquished, expired, and any later kind of change named alike.</param>
/// <param name="Scopes">What the grant covers after the change.</param>
/// <param name="Status">The grant's status after the change.</param>
public sealed record TimelineGrantChange(Guid GrantId, string Event, string Purpose, IReadOnlyList<string> Scopes, string Status, DateTimeOffset At);

/// <summary>One day (UTC) of a relationship. Each list holds at most 20 entries, newest first; the counts are whole.</summary>
/// <param name="ReadCount">Every read that day.</param>
/// <param name="Reads">The reads, grouped by purpose and attributes.</param>
/// <param name="MessageCount">Every message that day, either way.</param>
/// <param name="GrantChangeCount">Every change of a grant that day.</param>
public sealed record TimelineDay(
    DateOnly Date, int ReadCount, IReadOnlyList<TimelineRead> Reads, int MessageCount, IReadOnlyList<TimelineMessage> Messages, int GrantChangeCount,
    IReadOnlyList<TimelineGrantChange> GrantChanges);

/// <summary>Your relationship with one company over a window of days: what it read, what was written, how the grants changed.</summary>
/// <param name="Status">As in your relationships: active, suspended, requested, connected, or the latest grant's status.</param>
/// <param name="From">The window's start: midnight UTC, <c>days</c> − 1 days before today.</param>
/// <param name="To">The window's end (now, included).</param>
/// <param name="Items">The days of the window on which something happened, newest first; days without anything are left out.</param>
/// <param name="Next">The link to the following (older) page of days, absent on the last.</param>
public sealed record RelationshipTimeline(
    VendorSummary Vendor, string Status, DateTimeOffset From, DateTimeOffset To, TimelineSummary Summary, IReadOnlyList<TimelineDay> Items, string? Next);

public static partial class GetRelationshipTimeline
{
    public const int DefaultDays = 90;
    public const int MaxDays = 366;

    /// <summary>Entries listed per day and kind: enough to read a day, bounded whatever a company does in it.</summary>
    public const int MaxEntriesPerDay = 20;

    public static RouteHandlerBuilder MapRelationshipTimeline(this IEndpointRouteBuilder me) =>
        me.MapGet("/relationships/{vendorId:guid}/timeline", Handle)
            .WithName("GetMyRelationshipTimeline")
            .WithSummary("Your relationship with one company, day by day: every read, every message, every change of a grant, with its figures")
            .WithDescription($"The window is the last `days` days (UTC, today included; default {DefaultDays}, at most {MaxDays}); limit and offset page through "
                             + "the days on which something happened, newest first. 404 for a company you have no relationship with.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<RelationshipTimeline>, ProblemHttpResult>> Handle(
        Guid vendorId, int? days, int? limit, int? offset, CustomerPrincipal customer, IQuerySession session, NpgsqlDataSource dataSource,
        StoredEvents stored, CustomerKeyring keyring, IOptions<ConsentOptions> options, TimeProvider clock, HttpRequest request,
        CancellationToken cancellationToken)
    {
        var window = Window(days, clock.Now());
        var paging = Paging.Of(limit, offset);
        var timeline = await ForCustomerAsync(session, dataSource, stored, keyring, customer.Id, vendorId, window, options.Value.DeletionConfirmationPeriod, cancellationToken);
        if (timeline is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "You have no relationship with this company.");
        }

        var page = paging.Slice(timeline.Items, request);
        return TypedResults.Ok(timeline with { Items = page.Items, Next = page.Next });
    }

    /// <summary>The window of the last <paramref name="days"/> calendar days (UTC), today included, up to now.</summary>
    public static (DateTimeOffset From, DateTimeOffset To) Window(int? days, DateTimeOffset now)
    {
        if (days is < 1 or > MaxDays)
        {
            throw RequestValidationException.For("days", $"must be from 1 to {MaxDays}.");
        }

        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        return (today.AddDays(-((days ?? DefaultDays) - 1)), now);
    }

    /// <summary>The whole timeline of the window (every day with something in it), or null when she has no relationship with the company.</summary>
    public static async Task<RelationshipTimeline?> ForCustomerAsync(
        IQuerySession session, NpgsqlDataSource dataSource, StoredEvents stored, CustomerKeyring keyring, Guid customerId, Guid vendorId,
        (DateTimeOffset From, DateTimeOffset To) window, TimeSpan deletionPeriod, CancellationToken cancellationToken)
    {
        var now = window.To;
        // The same row as in her list of relationships, so that the figures on both pages are one and the same.
        var relationship = (await Relationships.ForCustomerAsync(session, dataSource, customerId, now, deletionPeriod, cancellationToken))
            .FirstOrDefault(r => r.Vendor.Id == vendorId);
        if (relationship is null)
        {
            return null;
        }

        var (active, preferences) = await ContactCap.StateAsync(session, keyring, vendorId, customerId, null, now, cancellationToken);
        var grantIds = await session.Query<Grant>().Where(g => g.CustomerId == customerId && g.VendorId == vendorId).Select(g => g.Id)
            .ToListAsync(cancellationToken);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var reads = await ReadsAsync(connection, customerId, vendorId, window, cancellationToken);
        var messages = await MessagesAsync(connection, customerId, vendorId, window, cancellationToken);
        var changes = GrantChanges(await stored.ReadAsync(connection, [.. grantIds], window.To, cancellationToken), window.From);

        var summary = new TimelineSummary(relationship.LastRead, relationship.ReadsLast30Days, relationship.ContactsLast7Days,
            Contacts.WeeklyLimit(active, preferences), relationship.Dormant, relationship.ActiveGrants);
        return new RelationshipTimeline(relationship.Vendor, relationship.Status, window.From, window.To, summary,
            Days(reads, messages, changes), null);
    }

    /// <summary>The days on which anything happened, newest first, each list cut to <see cref="MaxEntriesPerDay"/>.</summary>
    public static IReadOnlyList<TimelineDay> Days(
        IReadOnlyList<(DateOnly Day, TimelineRead Read)> reads, IReadOnlyList<(DateOnly Day, int Count, TimelineMessage Message)> messages,
        IReadOnlyList<TimelineGrantChange> changes)
    {
        var readsByDay = reads.ToLookup(r => r.Day, r => r.Read);
        var messagesByDay = messages.ToLookup(m => m.Day);
        var changesByDay = changes.ToLookup(c => DateOnly.FromDateTime(c.At.UtcDateTime));
        return readsByDay.Select(g => g.Key).Concat(messagesByDay.Select(g => g.Key)).Concat(changesByDay.Select(g => g.Key))
            .Distinct().OrderDescending()
            .Select(day => new TimelineDay(
                day,
                readsByDay[day].Sum(r => r.Count),
                readsByDay[day].OrderByDescending(r => r.Last).Take(MaxEntriesPerDay).ToList(),
                messagesByDay[day].Select(m => m.Count).FirstOrDefault(),
                messagesByDay[day].Select(m => m.Message).ToList(),
                changesByDay[day].Count(),
                changesByDay[day].OrderByDescending(c => c.At).Take(MaxEntriesPerDay).ToList()))
            .ToList();
    }

    // Summed in the database: a company that reads a thousand times a day returns one row per purpose and attribute set.
    private static async Task<IReadOnlyList<(DateOnly, TimelineRead)>> ReadsAsync(
        NpgsqlConnection connection, Guid customerId, Guid vendorId, (DateTimeOffset From, DateTimeOffset To) window, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
             SELECT (at AT TIME ZONE 'UTC')::date, purpose, attributes, count(*), min(at), max(at)
             FROM {AccessLogTable.Name}
             WHERE customer_id = $1 AND vendor_id = $2 AND kind = 'read' AND at >= $3 AND at <= $4
             GROUP BY 1, 2, 3
             """, connection)
        {
            Parameters = { new() { Value = customerId }, new() { Value = vendorId }, new() { Value = window.From }, new() { Value = window.To } },
        };
        var rows = new List<(DateOnly, TimelineRead)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetFieldValue<DateOnly>(0), new TimelineRead(reader.GetString(1), reader.GetFieldValue<string[]>(2), (int)reader.GetInt64(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5))));
        }

        return rows;
    }

    // The newest few of each day, with the day's whole count; subjects and bodies stay sealed (her inbox opens them).
    private static async Task<IReadOnlyList<(DateOnly, int, TimelineMessage)>> MessagesAsync(
        NpgsqlConnection connection, Guid customerId, Guid vendorId, (DateTimeOffset From, DateTimeOffset To) window, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
             SELECT day, n, id, sender, channel, purpose, kind, created_at, status, reported_at IS NOT NULL FROM (
                 SELECT (created_at AT TIME ZONE 'UTC')::date AS day, id, sender, channel, purpose, kind, created_at, status, reported_at,
                        count(*) OVER (PARTITION BY (created_at AT TIME ZONE 'UTC')::date) AS n,
                        row_number() OVER (PARTITION BY (created_at AT TIME ZONE 'UTC')::date ORDER BY created_at DESC, id DESC) AS position
                 FROM {MessageTable.Name}
                 WHERE vendor_id = $1 AND customer_id = $2 AND created_at >= $3 AND created_at <= $4
             ) m WHERE position <= $5
             ORDER BY created_at DESC, id DESC
             """, connection)
        {
            Parameters =
            {
                new() { Value = vendorId }, new() { Value = customerId }, new() { Value = window.From }, new() { Value = window.To },
                new() { Value = MaxEntriesPerDay },
            },
        };
        var rows = new List<(DateOnly, int, TimelineMessage)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetFieldValue<DateOnly>(0), (int)reader.GetInt64(1), new TimelineMessage(
                reader.GetGuid(2), reader.GetString(3), reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7), reader.GetString(8), reader.GetBoolean(9))));
        }

        return rows;
    }

    /// <summary>
    /// Every change of these grants from <paramref name="from"/> on, with the grant as it stood after it: each stream is
    /// folded from its start (a grant has a handful of events), and only the changes in the window are kept.
    /// </summary>
    public static IReadOnlyList<TimelineGrantChange> GrantChanges(IReadOnlyList<StoredEvent> events, DateTimeOffset from)
    {
        var stream = EventStream.Of<Grant>();
        var states = new Dictionary<Guid, object>();
        var changes = new List<TimelineGrantChange>();
        foreach (var e in events)
        {
            var grant = (Grant)stream.Evolve(states.GetValueOrDefault(e.StreamId), e.Data);
            states[e.StreamId] = grant;
            if (e.Timestamp >= from)
            {
                changes.Add(new TimelineGrantChange(grant.Id, EventName(e.Data.GetType()), grant.Purpose, grant.Scopes,
                    grant.Status == GrantStatus.Active && grant.PausedAt is not null ? "paused" : GrantDecider.StatusName(grant.Status), e.Timestamp));
            }
        }

        return changes;
    }

    /// <summary>An event's name as she reads it: the type's name without its stream's prefix, in kebab case (GrantContactEnded → contact-ended).</summary>
    public static string EventName(Type eventType) =>
        KebabCase().Replace(StreamPrefix().Replace(eventType.Name, ""), "-$1").ToLowerInvariant();

    [GeneratedRegex("^(Grant|Access)(?=[A-Z])")]
    private static partial Regex StreamPrefix();

    [GeneratedRegex("(?<!^)([A-Z])")]
    private static partial Regex KebabCase();
}
