using System.Globalization;
using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CustomerVault.Connections;

/// <param name="VendorId">Only this registered vendor may redeem the code; any vendor may when absent.</param>
public sealed record ConnectionCodeBody(Guid? VendorId);

/// <param name="Code">Tell it to the vendor; it works once, until it expires.</param>
/// <param name="Vendor">The only vendor that may redeem it; absent when any vendor may.</param>
public sealed record ConnectionCodeView(string Code, VendorSummary? Vendor, DateTimeOffset ExpiresAt);

/// <summary>What became of a request for a code: the code, no such vendor, or too many live codes until a time.</summary>
public abstract record CodeCreation
{
    private CodeCreation()
    {
    }

    public sealed record Created(ConnectionCodeView Code) : CodeCreation;

    public sealed record NoSuchVendor : CodeCreation;

    public sealed record TooMany(DateTimeOffset RetryAt) : CodeCreation;
}

/// <summary>The customer creates a connection code to give a vendor that has no web flow.</summary>
public static class CreateConnectionCodeHandler
{
    public static RouteHandlerBuilder MapCreateConnectionCode(this IEndpointRouteBuilder me) =>
        me.MapPost("/connection-codes", Create).WithName("CreateConnectionCode")
            .WithSummary("Create a short code that connects one vendor (or any) to you once; the vendor redeems it with POST /v1/connections")
            .WithDescription("The vendor learns only its own id for you. Give the code only to the company you mean: it works once, and expires within minutes.")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

    private static async Task<Results<Created<ConnectionCodeView>, ProblemHttpResult>> Create(
        ConnectionCodeBody? body, CustomerPrincipal customer, IQuerySession session, NpgsqlDataSource dataSource, IOptions<ConnectionOptions> options,
        TimeProvider clock, HttpResponse response, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        switch (await HandleAsync(session, dataSource, options.Value, customer.Id, body?.VendorId, now, cancellationToken))
        {
            case CodeCreation.Created created:
                return TypedResults.Created((string?)null, created.Code);
            case CodeCreation.TooMany tooMany:
                response.Headers.RetryAfter = Math.Ceiling((tooMany.RetryAt - now).TotalSeconds).ToString(CultureInfo.InvariantCulture);
                return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many unused connection codes.",
                    detail: $"You hold {options.Value.MaxLiveCodesPerCustomer} codes that no vendor has used yet; the first expires at {tooMany.RetryAt:O}.");
            default:
                return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such vendor.");
        }
    }

    /// <summary>Creates her code (the API and the portal), for one vendor when named; refuses a suspended vendor (409).</summary>
    public static async Task<CodeCreation> HandleAsync(
        IQuerySession session, NpgsqlDataSource dataSource, ConnectionOptions options, Guid customerId, Guid? vendorId, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        Vendor? vendor = null;
        if (vendorId is { } id)
        {
            vendor = await session.LoadAsync<Vendor>(id, cancellationToken);
            if (vendor is null)
            {
                return new CodeCreation.NoSuchVendor();
            }

            if (vendor.Status == VendorStatus.Suspended)
            {
                throw new ConflictException("This vendor is suspended; it cannot connect to you now.", VendorDecider.Name(vendor.Status));
            }
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // Her codes are counted and added under one lock, so two requests at once cannot pass the cap together.
        await Locks.LockAsync(connection, "connection-codes", customerId, Guid.Empty, cancellationToken);
        await using var live = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand($"DELETE FROM {ConnectionTables.Codes} WHERE customer_id = $1 AND expires_at <= $2")
                {
                    Parameters = { new() { Value = customerId }, new() { Value = now } },
                },
                new NpgsqlBatchCommand($"SELECT count(*), min(expires_at) FROM {ConnectionTables.Codes} WHERE customer_id = $1")
                {
                    Parameters = { new() { Value = customerId } },
                },
            },
        };
        await using (var reader = await live.ExecuteReaderAsync(cancellationToken))
        {
            // The DELETE returns no rows: the first result is the count.
            await reader.ReadAsync(cancellationToken);
            if (reader.GetInt64(0) >= options.MaxLiveCodesPerCustomer)
            {
                return new CodeCreation.TooMany(reader.GetFieldValue<DateTimeOffset>(1));
            }
        }

        var code = ConnectionCodes.New();
        var expiresAt = now + options.CodeLifetime;
        await using (var insert = new NpgsqlCommand(
                         $"INSERT INTO {ConnectionTables.Codes} (hash, customer_id, vendor_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)", connection)
                     {
                         Parameters =
                         {
                             new() { Value = ConnectionCodes.Hash(ConnectionCodes.Normalize(code)!) }, new() { Value = customerId },
                             new() { Value = (object?)vendorId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Uuid }, new() { Value = now },
                             new() { Value = expiresAt },
                         },
                     })
        {
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new CodeCreation.Created(new ConnectionCodeView(code, vendor is null ? null : VendorSummary.Of(vendor, vendor.Id), expiresAt));
    }
}
