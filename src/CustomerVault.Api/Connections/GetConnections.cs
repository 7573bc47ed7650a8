using CustomerVault.Kernel;
using CustomerVault.Vendors;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CustomerVault.Connections;

/// <param name="CustomerId">Your id for the customer: the only one you will ever know her by.</param>
/// <param name="Status">connected, or erased (she erased her account: nothing of hers can be read any more).</param>
/// <param name="Via">How you came to know her: authorization (she decided on your request in the vault's consent flow), connection-code, grant (she granted you access on her own initiative), or existing (before pairwise ids).</param>
public sealed record ConnectionView(Guid CustomerId, string Status, string Via, DateTimeOffset ConnectedAt);

/// <summary>The vendor's view of its relationships: the customers it knows, each by its own id for her.</summary>
public static class GetConnections
{
    public static IEndpointRouteBuilder MapConnections(this IEndpointRouteBuilder vendor)
    {
        vendor.MapGet("/connections", List).WithName("ListConnections")
            .WithSummary("The customers you know, newest first, each under your own id for her").ProducesValidationProblem();
        vendor.MapGet("/connections/{customerId:guid}", Get).WithName("GetConnection")
            .WithSummary("One customer you know, by your id for her").ProducesProblem(StatusCodes.Status404NotFound);
        return vendor;
    }

    private static async Task<Ok<Page<ConnectionView>>> List(
        int? limit, int? offset, CallingVendor vendor, NpgsqlDataSource dataSource, HttpRequest request, CancellationToken cancellationToken)
    {
        var paging = Paging.Of(limit, offset);
        var fetched = await QueryAsync(dataSource, "WHERE vendor_id = $1 ORDER BY connected_at DESC, id LIMIT $2 OFFSET $3", cancellationToken,
            vendor.Id, paging.Limit + 1, paging.Offset);
        return TypedResults.Ok(paging.Page(fetched, request));
    }

    private static async Task<Results<Ok<ConnectionView>, ProblemHttpResult>> Get(
        Guid customerId, CallingVendor vendor, NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        await FindAsync(dataSource, vendor.Id, customerId, cancellationToken) is { } connection
            ? TypedResults.Ok(connection)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such customer.");

    /// <summary>One of the vendor's connections, by its id for the customer; null when it has none by that id.</summary>
    public static async Task<ConnectionView?> FindAsync(NpgsqlDataSource dataSource, Guid vendorId, Guid customerId, CancellationToken cancellationToken) =>
        (await QueryAsync(dataSource, "WHERE vendor_id = $1 AND id = $2", cancellationToken, vendorId, customerId)).SingleOrDefault();

    private static async Task<IReadOnlyList<ConnectionView>> QueryAsync(NpgsqlDataSource dataSource, string where, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = dataSource.CreateCommand($"SELECT id, erased_at IS NOT NULL, via, connected_at FROM {ConnectionTables.Connections} {where}");
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        var views = new List<ConnectionView>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            views.Add(new ConnectionView(reader.GetGuid(0), reader.GetBoolean(1) ? "erased" : "connected", reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3)));
        }

        return views;
    }
}
