using CustomerVault.Consents;
using CustomerVault.Identity;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Kernel;
using CustomerVault.Vendors;
using Marten;
using Npgsql;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.AccessLog;

/// <param name="Kind">read or contact.</param>
/// <param name="Attributes">For a read: the names of the attributes returned (never their values).</param>
/// <param name="Channel">For a contact: how the vendor contacted you.</param>
/// <param name="RequestId">The vendor's request, as its trace id.</param>
public sealed record AccessLogItem(
    Guid Id, VendorSummary Vendor, string Kind, string Purpose, IReadOnlyList<Guid> Grants, IReadOnlyList<string> Attributes,
    string? Channel, DateTimeOffset At, string RequestId);

public static class CustomerAccessLog
{
    public static RouteHandlerBuilder MapCustomerAccessLog(this IEndpointRouteBuilder me) =>
        me.MapGet("/access-log", Handle)
            .WithName("GetMyAccessLog")
            .WithSummary("Every read of your data and every contact, newest first")
            .WithDescription("Filter by vendor and by time (from inclusive, to exclusive, RFC 3339).")
            .ProducesValidationProblem();

    private static async Task<Ok<Page<AccessLogItem>>> Handle(
        Guid? vendorId, DateTimeOffset? from, DateTimeOffset? to, int? limit, int? offset, CustomerPrincipal customer,
        IQuerySession session, NpgsqlDataSource dataSource, HttpRequest request, CancellationToken cancellationToken)
    {
        if (from is not null && to is not null && from >= to)
        {
            throw RequestValidationException.For("from", "must be earlier than to.");
        }

        var paging = Paging.Of(limit, offset);
        var items = await QueryAsync(session, dataSource, customer.Id, vendorId, from?.ToUniversalTime(), to?.ToUniversalTime(), paging.Limit + 1, paging.Offset,
            cancellationToken);
        return TypedResults.Ok(paging.Page(items, request));
    }

    /// <summary>A customer's reads and contacts, newest first, with the vendors' names.</summary>
    public static async Task<IReadOnlyList<AccessLogItem>> QueryAsync(
        IQuerySession session, NpgsqlDataSource dataSource, Guid customerId, Guid? vendorId, DateTimeOffset? from, DateTimeOffset? to, int limit, int offset,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var entries = await AccessLogTable.QueryAsync(connection, customerId, vendorId, from, to, limit, offset, cancellationToken);
        var vendors = await session.VendorsAsync(entries.Select(e => e.VendorId), cancellationToken);
        return entries.Select(e => Item(e, vendors.GetValueOrDefault(e.VendorId))).ToList();
    }

    /// <summary>An entry as the customer is shown it.</summary>
    public static AccessLogItem Item(AccessLogEntry e, Vendor? vendor) =>
        new(e.Id, VendorSummary.Of(vendor, e.VendorId), AccessLogTable.KindName(e.Kind), e.Purpose, e.GrantIds, e.Attributes, e.Channel, e.At, e.RequestId);
}
