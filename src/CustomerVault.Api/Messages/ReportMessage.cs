using CustomerVault.Consents;
using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Http;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CustomerVault.Messages;

/// <param name="ReportedAt">When she reported it (the first time, if she reports it again).</param>
/// <param name="GrantsChanged">How many of her grants to the company allowed contact until now.</param>
public sealed record MessageReported(Guid MessageId, Guid VendorId, DateTimeOffset ReportedAt, int GrantsChanged);

/// <summary>
/// "Report as unwanted": the company's contact ends as with "stop messages", and the report stays on the message, where
/// it counts against the company (reports per vendor are what its scorecard counts).
/// </summary>
public static class ReportMessage
{
    public static RouteHandlerBuilder MapReportMessage(this IEndpointRouteBuilder me) =>
        me.MapPost("/messages/{messageId:guid}/report", Handle)
            .WithName("ReportMessage")
            .WithSummary("Report a message as unwanted: the company may no longer contact you, and the report counts against it")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

    private static async Task<Results<Ok<MessageReported>, ProblemHttpResult>> Handle(
        Guid messageId, CustomerPrincipal customer, IDocumentSession session, NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken cancellationToken)
    {
        var reported = await HandleAsync(session, dataSource, customer.Id, messageId, clock.Now(), cancellationToken);
        return reported is null ? Inbox.NotFound() : TypedResults.Ok(reported);
    }

    /// <summary>Her report (the API and the portal); null when she has no such message.</summary>
    public static async Task<MessageReported?> HandleAsync(
        IDocumentSession session, NpgsqlDataSource dataSource, Guid customerId, Guid messageId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var message = await MessageReads.LoadAsync(dataSource, messageId, null, customerId, cancellationToken);
        if (message is null)
        {
            return null;
        }

        if (message.Sender != Senders.Vendor)
        {
            throw new ConflictException(message.Sender == Senders.Vault
                ? "This message is from the vault, not from the company; only a company's message can be reported."
                : "You wrote this message yourself; only a company's message can be reported.");
        }

        // The report and the end of contact are saved together, or neither is.
        session.QueueSqlCommand($"UPDATE {MessageTable.Name} SET reported_at = ? WHERE id = ? AND reported_at IS NULL", now, messageId);
        var changed = await EndContactHandler.HandleAsync(session, customerId, message.VendorId,
            new EndContact(ContactEndReasons.ReportedUnwanted, messageId, now), cancellationToken);
        return new MessageReported(messageId, message.VendorId, message.ReportedAt ?? now, changed);
    }
}
