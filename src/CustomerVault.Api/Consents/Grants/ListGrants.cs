using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Kernel;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Consents;

/// <summary>Grants, newest first: a customer sees hers (optionally of one vendor), a vendor its own (optionally of one customer).</summary>
public static class ListGrants
{
    public static RouteHandlerBuilder MapListMyGrants(this IEndpointRouteBuilder me) =>
        me.MapGet("/grants", ForCustomer).WithName("ListMyGrants").WithSummary("Your grants, newest first").ProducesValidationProblem();

    public static RouteHandlerBuilder MapListGrants(this IEndpointRouteBuilder vendor) =>
        vendor.MapGet("/grants", ForVendor).WithName("ListGrants")
            .WithSummary("Your grants, newest first, optionally for one customer or in one status").ProducesValidationProblem();

    private static async Task<Ok<Page<GrantView>>> ForCustomer(
        string? status, Guid? vendorId, int? limit, int? offset, CustomerPrincipal customer, IQuerySession session, TimeProvider clock,
        HttpRequest request, CancellationToken cancellationToken) =>
        TypedResults.Ok(await PageAsync(session, Party.Customer(customer.Id), vendorId, status, Paging.Of(limit, offset), clock.Now(), request, cancellationToken));

    /// <param name="customerId">Your id for the customer (never her vault id).</param>
    private static async Task<Ok<Page<GrantView>>> ForVendor(
        Guid? customerId, string? status, int? limit, int? offset, CallingVendor vendor, IQuerySession session, TimeProvider clock,
        HttpRequest request, CancellationToken cancellationToken)
    {
        var party = Party.Vendor(vendor.Id);
        var paging = Paging.Of(limit, offset);
        StatusFilter.Parse<GrantStatus>(status);
        var other = customerId is { } named ? await party.OtherAsync(session, named, cancellationToken) : null;
        return TypedResults.Ok(customerId is not null && other is null
            ? new Page<GrantView>([], null)
            : await PageAsync(session, party, other, status, paging, clock.Now(), request, cancellationToken));
    }

    /// <summary>One page of a party's grants (with <paramref name="other"/> only, when named), newest first, in a status by the clock when one is named.</summary>
    public static Task<Page<GrantView>> PageAsync(
        IQuerySession session, Party party, Guid? other, string? status, Paging paging, DateTimeOffset now, HttpRequest request, CancellationToken cancellationToken) =>
        paging.PageAsync(
            party.Filter(session.Query<Grant>(), other).WithStatus(StatusFilter.Parse<GrantStatus>(status), now).OrderByDescending(g => g.GrantedAt),
            page => session.ViewsAsync(party, page, now, ConsentOptions.DeletionPeriodOf(request.HttpContext), cancellationToken), request, cancellationToken);
}
