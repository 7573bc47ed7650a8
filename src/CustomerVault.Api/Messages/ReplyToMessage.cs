using CustomerVault.Infrastructure.Http;
using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Kernel;
using Marten;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace CustomerVault.Messages;

/// <param name="Subject">Optional: "Re: " and the message's subject when absent.</param>
public sealed record ReplyBody(string? Subject, string? Body);

/// <summary>She answers a message in her inbox; the vendor receives it as it receives anything she writes.</summary>
public static class ReplyToMessage
{
    public static RouteHandlerBuilder MapReplyToMessage(this IEndpointRouteBuilder me) =>
        me.MapPost("/messages/{messageId:guid}/replies", Handle)
            .WithName("ReplyToMessage")
            .WithSummary("Answer a message: the company receives it by webhook and in its list of messages")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

    private static async Task<Results<Created<InboxMessage>, ProblemHttpResult>> Handle(
        Guid messageId, ReplyBody body, CustomerPrincipal customer, IQuerySession session, NpgsqlDataSource dataSource, CustomerKeyring keyring,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var reply = await HandleAsync(session, dataSource, keyring, customer.Id, messageId, body, clock.Now(), cancellationToken);
        return reply is null ? Inbox.NotFound() : TypedResults.Created($"/v1/me/messages/{reply.Id}", reply);
    }

    /// <summary>Her reply (the API and the portal); null when she has no such message.</summary>
    public static async Task<InboxMessage?> HandleAsync(
        IQuerySession session, NpgsqlDataSource dataSource, CustomerKeyring keyring, Guid customerId, Guid messageId, ReplyBody body, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var original = await Inbox.LoadAsync(session, dataSource, keyring, customerId, messageId, cancellationToken);
        if (original is null)
        {
            return null;
        }

        if (original.From == Senders.Vault)
        {
            throw new ConflictException("This message is from the vault, not from the company; write to the company instead.");
        }

        var subject = string.IsNullOrWhiteSpace(body.Subject) ? Re(original.Subject) : body.Subject;
        var errors = new ValidationContext(DateOnly.FromDateTime(now.UtcDateTime));
        var content = MessageContent.Validate(subject, body.Body, errors);
        errors.ThrowIfInvalid();
        return await WriteToVendor.HandleAsync(session, dataSource, keyring, customerId, original.Vendor.Id, MessageKinds.Reply, content!, messageId, now, cancellationToken);
    }

    private static string Re(string subject)
    {
        var re = subject.StartsWith("Re:", StringComparison.OrdinalIgnoreCase) ? subject : $"Re: {subject}";
        return re.Length > MessageContent.MaxSubjectLength ? re[..MessageContent.MaxSubjectLength] : re;
    }
}
