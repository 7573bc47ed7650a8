using System.Text;
using System.Text.Json;
using CustomerVault.Consents;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CustomerVault.Audit;

/// <param name="Position">The event's place in the feed: page with <c>after</c> set to the last one you have.</param>
/// <param name="Sequence">The event store's own sequence number, as receipts and broken-link reports name it.</param>
/// <param name="Data">The event's data as stored (profile values appear only sealed). Its hash covers the data in PostgreSQL's text form of
/// jsonb, which follows from the value alone (see README), so anyone can check it independently.</param>
public sealed record FeedEvent(
    long Position, long Sequence, Guid StreamId, long Version, string Type, DateTimeOffset At, string? Actor, string? CorrelationId, string? CausationId,
    JsonElement Data, string Hash, string PreviousHash);

public sealed record FeedPage(IReadOnlyList<FeedEvent> Items, long LastPosition, string? Next);

/// <param name="Intact">Every event of the customer's streams still hashes to its recorded chain.</param>
/// <param name="FirstBroken">The first stream and version where the chain breaks.</param>
public sealed record VerificationReport(bool Intact, long Streams, long Events, BrokenLink? FirstBroken);

/// <summary>What auditors ask: who was allowed to see what, when, on whose decision, and whether anything was rewritten.</summary>
public static class AuditEndpoints
{
    public const string NdJson = "application/x-ndjson";
    private const int MaxFeedPage = 1000;

    public static RouteGroupBuilder MapAuditForAuditors(this RouteGroupBuilder audit)
    {
        audit.MapGet("/customers/{customerId:guid}/history", History).WithName("GetCustomerHistory")
            .WithSummary("Every consent event and profile change of a customer, in order, with the consent's state before and after")
            .WithDescription("Profile changes name the attributes that changed, never their values. Paged with limit and offset, oldest first.")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        audit.MapGet("/customers/{customerId:guid}/grants", CustomerAsOf).WithName("GetCustomerGrantsAsOf")
            .WithSummary("A customer's requests and grants as they stood at an instant (asOf, RFC 3339; now when absent)")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        audit.MapGet("/vendors/{vendorId:guid}/grants", VendorAsOf).WithName("GetVendorGrantsAsOf")
            .WithSummary("A vendor's requests and grants as they stood at an instant (asOf, RFC 3339; now when absent)")
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        audit.MapGet("/events", Feed).WithName("GetEventFeed")
            .WithSummary("The global event feed in feed-position order, for export; NDJSON when you Accept application/x-ndjson")
            .WithDescription("A page holds only events below the feed's watermark, so it never changes and no event ever appears later "
                             + "before its last position: page on with after set to lastPosition until next is absent, then poll.")
            .Produces<FeedPage>(StatusCodes.Status200OK, "application/json", NdJson).ProducesValidationProblem();
        audit.MapGet("/customers/{customerId:guid}/events", CustomerFeed).WithName("GetCustomerEventFeed")
            .WithSummary("The event feed of one customer's record: her streams and those of the vendors they name, paged as the global feed")
            .WithDescription("Everything needed to verify her hash chains and rebuild her history and her grants at any instant "
                             + "without reading the whole store (the customervault CLI reads it over the API).")
            .Produces<FeedPage>(StatusCodes.Status200OK, "application/json", NdJson).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        audit.MapGet("/customers/{customerId:guid}/verify", Verify).WithName("VerifyCustomerChains")
            .WithSummary("Recompute the hash chains of a customer's streams: intact, or the first broken link").ProducesProblem(StatusCodes.Status404NotFound);
        audit.MapGet("/checkpoints/latest", LatestCheckpoint).WithName("GetLatestCheckpoint")
            .WithSummary("The latest signed checkpoint: keep its JWS outside the vault").ProducesProblem(StatusCodes.Status404NotFound);
        audit.MapGet("/checkpoints/latest/verify", VerifyLatestCheckpoint).WithName("VerifyLatestCheckpoint")
            .WithSummary("Recompute every chain up to the latest checkpoint and compare with its signed root").ProducesProblem(StatusCodes.Status404NotFound);
        return audit;
    }

    public static RouteGroupBuilder MapAuditForOperators(this RouteGroupBuilder audit)
    {
        audit.MapPost("/checkpoints", CreateCheckpoint).WithName("CreateCheckpoint").WithSummary("Make a signed checkpoint now");
        return audit;
    }

    private static async Task<Results<Ok<Page<HistoryEntry>>, ProblemHttpResult>> History(
        Guid customerId, int? limit, int? offset, IQuerySession session, StoredEvents stored, HttpRequest request, CancellationToken cancellationToken)
    {
        var paging = Paging.Of(limit, offset);
        return await ConsentHistory.CustomerStreamsAsync(session, customerId, cancellationToken) is { } streams
            ? TypedResults.Ok(paging.Slice(await ConsentHistory.HistoryAsync(stored, session.Connection, streams, cancellationToken), request))
            : NotFound("customer");
    }

    private static async Task<Results<Ok<AsOfView>, ProblemHttpResult>> CustomerAsOf(
        Guid customerId, DateTimeOffset? asOf, IQuerySession session, StoredEvents stored, IOptions<ConsentOptions> options, TimeProvider clock,
        CancellationToken cancellationToken) =>
        await ConsentHistory.AsOfAsync(session, stored, "customer_id", customerId, VaultTime.Truncate(asOf ?? clock.Now()), options.Value.DeletionConfirmationPeriod,
            cancellationToken) is { } view
            ? TypedResults.Ok(view)
            : NotFound("customer");

    private static async Task<Results<Ok<AsOfView>, ProblemHttpResult>> VendorAsOf(
        Guid vendorId, DateTimeOffset? asOf, IQuerySession session, StoredEvents stored, IOptions<ConsentOptions> options, TimeProvider clock,
        CancellationToken cancellationToken) =>
        await ConsentHistory.AsOfAsync(session, stored, "vendor_id", vendorId, VaultTime.Truncate(asOf ?? clock.Now()), options.Value.DeletionConfirmationPeriod,
            cancellationToken) is { } view
            ? TypedResults.Ok(view)
            : NotFound("vendor");

    private static async Task<Results<Ok<VerificationReport>, ProblemHttpResult>> Verify(
        Guid customerId, IQuerySession session, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (await ConsentHistory.CustomerStreamsAsync(session, customerId, cancellationToken) is not { } streams)
        {
            return NotFound("customer");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var report = await ChainVerifier.VerifyAsync(connection, streams, null, cancellationToken);
        return TypedResults.Ok(new VerificationReport(report.Intact, report.Streams, report.Events, report.FirstBroken));
    }

    private static Task Feed(long? after, int? limit, HttpContext http, NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        WriteFeedAsync(http, dataSource, null, after, limit, "/v1/audit/events", cancellationToken);

    private static async Task CustomerFeed(
        Guid customerId, long? after, int? limit, HttpContext http, IQuerySession session, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (await ConsentHistory.CustomerRecordStreamsAsync(session, customerId, cancellationToken) is not { } streams)
        {
            await NotFound("customer").ExecuteAsync(http);
            return;
        }

        await WriteFeedAsync(http, dataSource, streams, after, limit, $"/v1/audit/customers/{customerId}/events", cancellationToken);
    }

    private static async Task WriteFeedAsync(
        HttpContext http, NpgsqlDataSource dataSource, Guid[]? streams, long? after, int? limit, string path, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxFeedPage)
        {
            throw RequestValidationException.For("limit", $"must be from 1 to {MaxFeedPage}.");
        }

        var from = after ?? 0;
        var take = limit ?? MaxFeedPage;
        var events = await FeedAsync(dataSource, streams, from, take, cancellationToken);
        var last = events.Count > 0 ? events[^1].Position : from;
        var next = events.Count == take ? $"{path}?after={last}&limit={take}" : null;
        var json = http.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;

        if (http.Request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(NdJson, StringComparison.OrdinalIgnoreCase)))
        {
            http.Response.ContentType = NdJson;
            if (next is not null)
            {
                http.Response.Headers.Link = $"<{next}>; rel=\"next\"";
            }

            foreach (var e in events)
            {
                await http.Response.WriteAsync(JsonSerializer.Serialize(e, json) + "\n", Encoding.UTF8, cancellationToken);
            }

            return;
        }

        await http.Response.WriteAsJsonAsync(new FeedPage(events, last, next), json, cancellationToken);
    }

    /// <summary>A page of the feed (of these streams only, when given), up to the watermark: nothing can still commit below it, and no writer waits for it.</summary>
    private static async Task<List<FeedEvent>> FeedAsync(NpgsqlDataSource dataSource, Guid[]? streams, long after, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var watermark = await FeedPositions.WatermarkAsync(connection, cancellationToken);
        await using var command = new NpgsqlCommand(
            $"""
             SELECT {FeedPositions.Of("c")}, e.seq_id, e.stream_id, e.version, e.type, e.timestamp, e.user_name, e.correlation_id, e.causation_id, e.data::text, c.hash, c.previous_hash
             FROM {EventChain.Table} c JOIN {EventStoreSetup.Schema}.mt_events e ON e.seq_id = c.seq_id
             WHERE {FeedPositions.Of("c")} > $1 AND {FeedPositions.Of("c")} <= $2 AND ($4::uuid[] IS NULL OR c.stream_id = ANY($4))
             ORDER BY {FeedPositions.Of("c")} LIMIT $3
             """, connection)
        {
            Parameters =
            {
                new() { Value = after }, new() { Value = watermark }, new() { Value = limit },
                new() { Value = (object?)streams ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Uuid },
            },
        };
        var events = new List<FeedEvent>(limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new FeedEvent(
                reader.GetInt64(0), reader.GetInt64(1), reader.GetGuid(2), reader.GetInt64(3), reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7), reader.IsDBNull(8) ? null : reader.GetString(8),
                JsonDocument.Parse(reader.GetString(9)).RootElement, reader.GetString(10), reader.GetString(11)));
        }

        return events;
    }

    private static async Task<Results<Ok<Checkpoint>, ProblemHttpResult>> LatestCheckpoint(Checkpoints checkpoints, CancellationToken cancellationToken) =>
        await checkpoints.LatestAsync(cancellationToken) is { } latest ? TypedResults.Ok(latest) : NotFound("checkpoint");

    private static async Task<Results<Ok<CheckpointCheck>, ProblemHttpResult>> VerifyLatestCheckpoint(Checkpoints checkpoints, CancellationToken cancellationToken) =>
        await checkpoints.LatestAsync(cancellationToken) is { } latest
            ? TypedResults.Ok(await checkpoints.CheckAsync(latest, cancellationToken))
            : NotFound("checkpoint");

    private static async Task<Created<Checkpoint>> CreateCheckpoint(Checkpoints checkpoints, HttpContext http, CancellationToken cancellationToken)
    {
        var checkpoint = await checkpoints.CreateAsync(Actor.Describe(http.User), cancellationToken);
        return TypedResults.Created("/v1/audit/checkpoints/latest", checkpoint);
    }

    private static ProblemHttpResult NotFound(string what) => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No such {what}.");
}
