using System.Globalization;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Vendors;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CustomerVault.Connections;

/// <param name="Code">The connection code the customer gave you, as she gave it (case, spaces and hyphens do not matter).</param>
public sealed record RedeemBody(string? Code);

/// <summary>What became of a redemption: the vendor's id for her, a code that does not work, or a vendor that must wait.</summary>
public abstract record Redemption
{
    private Redemption()
    {
    }

    public sealed record Connected(Guid CustomerId) : Redemption;

    public sealed record Refused : Redemption;

    public sealed record Throttled(DateTimeOffset RetryAt) : Redemption;
}

/// <summary>A vendor redeems a connection code and learns its id for the customer who gave it.</summary>
public static class RedeemConnectionCodeHandler
{
    public static RouteHandlerBuilder MapRedeemConnectionCode(this IEndpointRouteBuilder vendor) =>
        vendor.MapPost("/connections", Redeem).WithName("RedeemConnectionCode")
            .WithSummary("Redeem a customer's connection code: learn your id for her, then ask her for access with POST /v1/access-requests")
            .WithDescription("A code works once and only until it expires; one meant for another vendor does not work for you. "
                             + "Failed attempts are counted: after too many in a short time, every attempt is refused with 429 until Retry-After.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static async Task<Results<Created<ConnectionView>, ProblemHttpResult>> Redeem(
        RedeemBody body, CallingVendor vendor, NpgsqlDataSource dataSource, IOptions<ConnectionOptions> options, TimeProvider clock,
        HttpResponse response, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        switch (await HandleAsync(dataSource, options.Value, vendor.Id, body.Code, now, cancellationToken))
        {
            case Redemption.Connected connected:
                var view = await GetConnections.FindAsync(dataSource, vendor.Id, connected.CustomerId, cancellationToken);
                return TypedResults.Created($"/v1/connections/{connected.CustomerId}", view);
            case Redemption.Throttled throttled:
                response.Headers.RetryAfter = Math.Ceiling((throttled.RetryAt - now).TotalSeconds).ToString(CultureInfo.InvariantCulture);
                return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many failed connection codes.",
                    detail: $"{options.Value.MaxFailedRedemptions} codes failed within {options.Value.FailureWindow.TotalMinutes:0} minutes; try again after {throttled.RetryAt:O}.");
            default:
                throw RequestValidationException.For("code", "does not work: it is unknown, already used, expired, or meant for another company. Ask the customer for a new one.");
        }
    }

    /// <summary>
    /// Redeems the code for the vendor. One vendor's redemptions are serialised, so its failures are counted exactly:
    /// while it has used up its failures for the window, even a right code is refused, or guessing would go on.
    /// </summary>
    public static async Task<Redemption> HandleAsync(
        NpgsqlDataSource dataSource, ConnectionOptions options, Guid vendorId, string? typed, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (ConnectionCodes.Normalize(typed) is not { } canonical)
        {
            throw RequestValidationException.For("code", $"must be the {ConnectionCodes.Length} letters and digits the customer gave you, e.g. ABCDE-FGHJK.");
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await Locks.LockAsync(connection, "connection-redemption", vendorId, Guid.Empty, cancellationToken);

        var windowStart = now - options.FailureWindow;
        await using (var throttle = new NpgsqlCommand(
                         $"SELECT window_start FROM {ConnectionTables.Failures} WHERE vendor_id = $1 AND failures >= $2 AND window_start > $3", connection)
                     {
                         Parameters = { new() { Value = vendorId }, new() { Value = options.MaxFailedRedemptions }, new() { Value = windowStart } },
                     })
        {
            if (await throttle.ExecuteScalarAsync(cancellationToken) is DateTime since)
            {
                return new Redemption.Throttled(new DateTimeOffset(since, TimeSpan.Zero) + options.FailureWindow);
            }
        }

        Guid? customerId;
        await using (var redeem = new NpgsqlCommand(
                         $"""
                          DELETE FROM {ConnectionTables.Codes}
                          WHERE hash = $1 AND expires_at > $2 AND (vendor_id IS NULL OR vendor_id = $3)
                          RETURNING customer_id
                          """, connection)
                     {
                         Parameters = { new() { Value = ConnectionCodes.Hash(canonical) }, new() { Value = now }, new() { Value = vendorId } },
                     })
        {
            customerId = await redeem.ExecuteScalarAsync(cancellationToken) as Guid?;
        }

        if (customerId is null)
        {
            await using var failed = new NpgsqlCommand(
                $"""
                 INSERT INTO {ConnectionTables.Failures} AS f (vendor_id, window_start, failures) VALUES ($1, $2, 1)
                 ON CONFLICT (vendor_id) DO UPDATE SET
                     failures = CASE WHEN f.window_start <= $3 THEN 1 ELSE f.failures + 1 END,
                     window_start = CASE WHEN f.window_start <= $3 THEN $2 ELSE f.window_start END
                 """, connection)
            {
                Parameters = { new() { Value = vendorId }, new() { Value = now }, new() { Value = windowStart } },
            };
            await failed.ExecuteNonQueryAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new Redemption.Refused();
        }

        var pairwiseId = await PairwiseIds.EnsureAsync(connection, vendorId, customerId.Value, Via.Code, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new Redemption.Connected(pairwiseId);
    }
}
