using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Kernel;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CustomerVault.Consents;

/// <summary>Requests, newest first: a customer sees those addressed to her, a vendor its own; either may ask for one status.</summary>
public static class ListAccessRequests
{
    public static RouteHandlerBuilder MapListMyAccessRequests(this IEndpointRouteBuilder me) =>
        me.MapGet("/access-requests", ForCustomer).WithName("ListMyAccessRequests").WithSummary("Requests addressed to you, newest first")
            .ProducesValidationProblem();

    public static RouteHandlerBuilder MapListAccessRequests(this IEndpointRouteBuilder vendor) =>
        vendor.MapGet("/access-requests", ForVendor).WithName("ListAccessRequests")
            .WithSummary("Your requests, newest first, optionally for one customer or in one status").ProducesValidationProblem();

    private static async Task<Ok<Page<AccessRequestView>>> ForCustomer(
        string? status, int? limit, int? offset, CustomerPrincipal customer, IQuerySession session, TimeProvider clock, HttpRequest request,
        CancellationToken cancellationToken) =>
        TypedResults.Ok(await PageAsync(session, Party.Customer(customer.Id), null, status, Paging.Of(limit, offset), clock.Now(), request, cancellationToken));

    /// <param name="customerId">Your id for the customer (never her vault id).</param>
    private static async Task<Ok<Page<AccessRequestView>>> ForVendor(
        Guid? customerId, string? status, int? limit, int? offset, CallingVendor vendor, IQuerySession session, TimeProvider clock,
        HttpRequest request, CancellationToken cancellationToken)
    {
        var party = Party.Vendor(vendor.Id);
        var paging = Paging.Of(limit, offset);
        StatusFilter.Parse<AccessRequestStatus>(status);
        var other = customerId is { } named ? await party.OtherAsync(session, named, cancellationToken) : null;
        return TypedResults.Ok(customerId is not null && other is null
            ? new Page<AccessRequestView>([], null)
            : await PageAsync(session, party, other, status, paging, clock.Now(), request, cancellationToken));
    }

    /// <summary>One page of a party's requests (with <paramref name="other"/> only, when named), newest first, in a status by the clock when one is named.</summary>
    public static Task<Page<AccessRequestView>> PageAsync(
        IQuerySession session, Party party, Guid? other, string? status, Paging paging, DateTimeOffset now, HttpRequest request, CancellationToken cancellationToken) =>
        paging.PageAsync(
            party.Filter(session.Query<AccessRequest>(), other).WithStatus(StatusFilter.Parse<AccessRequestStatus>(status), now).OrderByDescending(r => r.RequestedAt),
            page => session.ViewsAsync(party, page, now, cancellationToken), request, cancellationToken);
}
