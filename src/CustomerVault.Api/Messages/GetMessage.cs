using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Vendors;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CustomerVault.Messages;

/// <summary>One message between the vendor and a customer, either way, with its delivery state; another vendor's is 404.</summary>
public static class GetMessage
{
    public static RouteHandlerBuilder MapGetMessage(this IEndpointRouteBuilder vendor) =>
        vendor.MapGet("/messages/{messageId:guid}", Handle)
            .WithName("GetMessage")
            .WithSummary("One message you sent or received, with its delivery state (pending, delivered, failed, cancelled)")
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Ok<VendorMessage>, ProblemHttpResult>> Handle(
        Guid messageId, CallingVendor vendor, IQuerySession session, NpgsqlDataSource dataSource, CustomerKeyring keyring, CancellationToken cancellationToken)
    {
        var message = await MessageReads.LoadAsync(dataSource, messageId, vendor.Id, null, cancellationToken);
        if (message is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such message.", detail: "You have no message with this id.");
        }

        return TypedResults.Ok((await MessageViews.ForVendorAsync([message], vendor.Id, session, keyring, cancellationToken))[0]);
    }
}
