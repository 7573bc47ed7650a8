using CustomerVault.Consents;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Kernel;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CustomerVault.Messages;

/// <summary>The vendor's messages with its customers, both ways, newest first: how it receives her replies without a webhook.</summary>
public static class ListMessages
{
    public static RouteHandlerBuilder MapListMessages(this IEndpointRouteBuilder vendor) =>
        vendor.MapGet("/messages", Handle)
            .WithName("ListMessages")
            .WithSummary("Your messages with customers, both ways, newest first; customerId narrows to one customer")
            .ProducesValidationProblem();

    private static async Task<Ok<Page<VendorMessage>>> Handle(
        Guid? customerId, int? limit, int? offset, CallingVendor vendor, IQuerySession session, NpgsqlDataSource dataSource, CustomerKeyring keyring,
        HttpRequest request, CancellationToken cancellationToken)
    {
        var paging = Paging.Of(limit, offset);
        // The vendor names her by its own id; one it knows no one by matches nothing.
        var customer = customerId is { } named ? await Party.Vendor(vendor.Id).OtherAsync(session, named, cancellationToken) : null;
        var fetched = customerId is not null && customer is null
            ? []
            : await MessageReads.ListAsync(dataSource, vendor.Id, customer, paging.Limit + 1, paging.Offset, cancellationToken);
        return TypedResults.Ok(paging.Page(await MessageViews.ForVendorAsync(fetched, vendor.Id, session, keyring, cancellationToken), request));
    }
}
