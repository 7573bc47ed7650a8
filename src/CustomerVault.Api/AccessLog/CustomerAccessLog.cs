using CustomerVault.Consents;
using CustomerVault.Identity;
using CustomerVault.Infrastructure.Http;
using Marten;
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
        IQuerySession session, HttpRequest request, CancellationToken cancellationToken)
    {
        if (from is not null && to is not null && from >= to)
        {
            throw RequestValidationException.For("from", "must be earlier than to.");
        }

        var paging = Paging.Of(limit, offset);
        var query = session.Query<AccessLogEntry>().Where(e => e.CustomerId == customer.Id);
        if (vendorId is { } vendor)
        {
            query = query.Where(e => e.VendorId == vendor);
        }

        if (from is { } start)
        {
            query = query.Where(e => e.At >= start);
        }

        if (to is { } end)
        {
            query = query.Where(e => e.At < end);
        }

        var entries = await query.OrderByDescending(e => e.At).ThenByDescending(e => e.Id)
            .Skip(paging.Offset).Take(paging.Limit + 1).ToListAsync(cancellationToken);
        var vendors = await session.VendorsAsync(entries.Select(e => e.VendorId), cancellationToken);
        var items = entries.Select(e => new AccessLogItem(e.Id, VendorSummary.Of(vendors.GetValueOrDefault(e.VendorId), e.VendorId),
            e.Kind.ToString().ToLowerInvariant(), e.Purpose, e.GrantIds, e.Attributes, e.Channel, e.At, e.RequestId)).ToList();
        return TypedResults.Ok(paging.Page(items, request));
    }
}
