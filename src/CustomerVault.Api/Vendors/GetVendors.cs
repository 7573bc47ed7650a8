using CustomerVault.Kernel;
using CustomerVault.Webhooks;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CustomerVault.Vendors;

/// <summary>Operators read the registry: every vendor, or one, with how its webhook deliveries fare.</summary>
public static class GetVendors
{
    public static RouteHandlerBuilder MapListVendors(this IEndpointRouteBuilder vendors) =>
        vendors.MapGet("/", List).WithName("ListVendors").WithSummary("List the registered vendors").ProducesValidationProblem();

    public static RouteHandlerBuilder MapGetVendor(this IEndpointRouteBuilder vendors) =>
        vendors.MapGet("/{vendorId:guid}", Get).WithName("GetVendor").WithSummary("Read a vendor's registration").ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Ok<Page<VendorView>>> List(
        int? limit, int? offset, IQuerySession session, NpgsqlDataSource dataSource, HttpRequest request, CancellationToken cancellationToken) =>
        TypedResults.Ok(await Paging.Of(limit, offset).PageAsync(session.Query<Vendor>().OrderBy(v => v.DisplayName).ThenBy(v => v.Id), async vendors =>
        {
            var health = await WebhookEndpoints.HealthAsync(dataSource, vendors.Select(v => v.Id).ToArray(), cancellationToken);
            return (IReadOnlyList<VendorView>)vendors.Select(v => VendorView.Of(v, health[v.Id])).ToList();
        }, request, cancellationToken));

    private static async Task<Results<Ok<VendorView>, ProblemHttpResult>> Get(
        Guid vendorId, IQuerySession session, NpgsqlDataSource dataSource, CancellationToken cancellationToken) =>
        await session.LoadAsync<Vendor>(vendorId, cancellationToken) is { } vendor
            ? TypedResults.Ok(VendorView.Of(vendor, (await WebhookEndpoints.HealthAsync(dataSource, [vendorId], cancellationToken))[vendorId]))
            : NotFound();

    // The one answer for an unknown vendor id, for every operator endpoint.
    public static ProblemHttpResult NotFound() => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such vendor.");
}
