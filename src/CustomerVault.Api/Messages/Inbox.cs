using CustomerVault.Identity;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Kernel;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CustomerVault.Messages;

/// <summary>Her inbox: every message a vendor sent her, on whatever channel, and what she wrote, newest first.</summary>
public static class Inbox
{
    public static IEndpointRouteBuilder MapInbox(this IEndpointRouteBuilder me)
    {
        me.MapGet("/messages", List)
            .WithName("ListMyMessages")
            .WithSummary("Your inbox: messages from vendors and what you wrote to them, newest first; vendorId narrows to one vendor")
            .ProducesValidationProblem();
        me.MapGet("/messages/{messageId:guid}", Get)
            .WithName("GetMyMessage")
            .WithSummary("One message of your inbox")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return me;
    }

    private static async Task<Ok<Page<InboxMessage>>> List(
        Guid? vendorId, int? limit, int? offset, CustomerPrincipal customer, IQuerySession session, NpgsqlDataSource dataSource, CustomerKeyring keyring,
        HttpRequest request, CancellationToken cancellationToken)
    {
        var paging = Paging.Of(limit, offset);
        var fetched = await MessageReads.ListAsync(dataSource, vendorId, customer.Id, paging.Limit + 1, paging.Offset, cancellationToken);
        return TypedResults.Ok(paging.Page(await MessageViews.ForCustomerAsync(fetched, customer.Id, session, keyring, cancellationToken), request));
    }

    private static async Task<Results<Ok<InboxMessage>, ProblemHttpResult>> Get(
        Guid messageId, CustomerPrincipal customer, IQuerySession session, NpgsqlDataSource dataSource, CustomerKeyring keyring, CancellationToken cancellationToken)
    {
        var message = await LoadAsync(session, dataSource, keyring, customer.Id, messageId, cancellationToken);
        return message is null ? NotFound() : TypedResults.Ok(message);
    }

    /// <summary>One of her messages; null when she has none with this id (another customer's included).</summary>
    public static async Task<InboxMessage?> LoadAsync(
        IQuerySession session, NpgsqlDataSource dataSource, CustomerKeyring keyring, Guid customerId, Guid messageId, CancellationToken cancellationToken)
    {
        var stored = await MessageReads.LoadAsync(dataSource, messageId, null, customerId, cancellationToken);
        return stored is null ? null : (await MessageViews.ForCustomerAsync([stored], customerId, session, keyring, cancellationToken))[0];
    }

    public static ProblemHttpResult NotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such message.", detail: "You have no message with this id.");
}
