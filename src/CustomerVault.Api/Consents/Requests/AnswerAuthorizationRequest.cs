using CustomerVault.Identity;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Vendors;
using Marten;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CustomerVault.Consents;

/// <summary>What a vendor asks for: the same terms whether it asks through the API or in its web flow.</summary>
public sealed record AccessTerms(
    IReadOnlyList<string>? Scopes, string? Purpose, string? Description, string? Duration, ContactTerms? ContactTerms, Guid? ExtendsGrantId);

/// <summary>Her answer on the consent page of a vendor's web flow: approve (the scopes she kept, optionally until an earlier end) or deny.</summary>
public sealed record ConsentAnswer(bool Approve, IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt, string? Reason);

/// <summary>
/// A vendor's request and her answer to it, given on the consent page of the vendor's web flow. Recorded as the API
/// records a request and the answer she gives it later (AccessRequested, then AccessRequestApproved with its grant
/// started or extended, or AccessRequestDenied), through the same deciders, so the receipts and the vendor's
/// notifications follow alike; in one transaction, so nothing half-answered remains.
/// </summary>
public sealed class AnswerAuthorizationRequest(IDocumentStore store, NpgsqlDataSource dataSource, IOptions<ConsentOptions> options)
{
    /// <summary>
    /// Records the request and the answer (or, for an authorization request already answered, as on a double submit,
    /// returns the first answer): the request as it is now. <paramref name="authorization"/> names the authorization request.
    /// </summary>
    public async Task<AccessRequest> HandleAsync(
        Vendor vendor, Guid customerId, string authorization, AccessTerms terms, ConsentAnswer answer, TimeSpan answerWithin, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var session = store.OpenSession(Marten.Services.SessionOptions.ForTransaction(transaction));
        ActorContext.Stamp(session, $"{VaultClaims.ActorTypes.Customer}:{customerId}", null);
        // Serialised with the other requests to her and the other changes to her grants, as through the API, so the caps hold.
        await ConsentCaps.LockRequestsAsync(session, customerId, cancellationToken);
        await ConsentCaps.LockGrantsAsync(session, customerId, cancellationToken);

        var recordId = $"{vendor.Id:N}:authorization:{authorization}";
        if (await session.LoadAsync<IdempotencyRecord>(recordId, cancellationToken) is { } earlier)
        {
            return (await session.LoadAsync<AccessRequest>(earlier.RequestId, cancellationToken))!;
        }

        var requested = AccessRequestDecider.Decide(new RequestAccess(
            Guid.CreateVersion7(), vendor.Id, vendor.Scopes, customerId, terms.Scopes, terms.Purpose, terms.Description, terms.Duration,
            terms.ContactTerms, answerWithin, now, options.Value.Durations(), terms.ExtendsGrantId,
            terms.ExtendsGrantId is { } grantId ? await session.LoadAsync<Grant>(grantId, cancellationToken) : null));
        session.Events.StartStream<AccessRequest>(requested.RequestId, requested);
        session.Insert(new IdempotencyRecord(recordId, "", requested.RequestId, "", now));
        // First the request as the vendor put it, then her answer: the answer's notification reads the request back.
        await session.SaveChangesAsync(cancellationToken);

        // Fetched for writing only now: a stream fetched before a save takes no more events.
        var extending = requested.ExtendsGrantId is { } extended ? await session.Events.FetchForWriting<Grant>(extended, cancellationToken) : null;
        var room = answer.Approve && extending is null ? await ConsentCaps.GrantRoomAsync(session, customerId, vendor.Id, now, cancellationToken) : null;
        var request = AccessRequest.Create(requested);
        object answered = answer.Approve
            ? ApproveRequestHandler.Append(session, request, new ApproveRequest(answer.Scopes, answer.ExpiresAt, Guid.CreateVersion7(), now, options.Value.Durations()), extending, room,
                options.Value)
            : AccessRequestDecider.Decide(new DenyRequest(answer.Reason, now), request);
        session.Events.Append(requested.RequestId, answered);
        await session.SaveChangesAsync(cancellationToken);
        var answeredRequest = (await session.LoadAsync<AccessRequest>(requested.RequestId, cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        return answeredRequest;
    }
}
