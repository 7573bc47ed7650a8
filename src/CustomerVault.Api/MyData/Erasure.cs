using CustomerVault.Connections;
using CustomerVault.Consents;
using CustomerVault.Identity;
using CustomerVault.Infrastructure;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Infrastructure.Http;
using CustomerVault.Profiles;
using Marten;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using OpenIddict.Abstractions;

namespace CustomerVault.MyData;

/// <param name="RevokedGrants">The grants that were still active; their vendors are notified like for any revocation.</param>
/// <param name="DeniedRequests">The requests still waiting for an answer.</param>
public sealed record ErasureReport(Guid CustomerId, DateTimeOffset ErasedAt, IReadOnlyList<Guid> RevokedGrants, IReadOnlyList<Guid> DeniedRequests);

/// <summary>
/// The right to erasure, in one database transaction: every active grant revoked and every pending request denied
/// (through the same deciders as a customer's own revoke and deny), the erasure recorded, the data key destroyed
/// (crypto-shredding: every sealed value in her events becomes unreadable, while the events and their hash chains
/// stay intact), every vendor's id for her cut loose from her, and the sign-in account emptied of her e-mail and password and locked, with its tokens deleted.
/// It happens entirely or not at all; a concurrent change to one of her grants makes it fail (409) and it can be
/// asked again.
/// </summary>
public sealed class CustomerErasure(
    IdentityStore identityStore,
    UserManager<VaultUser> users,
    IOpenIddictTokenManager tokens,
    IOpenIddictAuthorizationManager authorizations,
    IDocumentStore documentStore,
    TimeProvider clock,
    IHttpContextAccessor httpContextAccessor)
{
    public const string Reason = "The customer erased her account.";

    public async Task<ErasureReport> EraseAsync(Guid customerId, CancellationToken cancellationToken)
    {
        await using var transaction = await identityStore.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.Now();
        var database = (NpgsqlTransaction)transaction.GetDbTransaction();
        var options = Marten.Services.SessionOptions.ForTransaction(database);
        ErasureReport report;
        await using (var session = documentStore.OpenSession(options))
        {
            ActorContext.Stamp(session, $"{VaultClaims.ActorTypes.Customer}:{customerId}", httpContextAccessor.HttpContext?.TraceIdentifier);
            var profile = await session.Events.FetchForWriting<Profile>(customerId, cancellationToken);
            if (profile.Aggregate?.ErasedAt is not null)
            {
                throw new CustomerErasedException(customerId);
            }

            if (profile.Aggregate is null)
            {
                throw new InvalidOperationException($"Customer {customerId} has an account but no profile stream.");
            }

            var revoked = new List<Guid>();
            foreach (var grant in await session.Query<Grant>().Where(g => g.CustomerId == customerId && g.Status == GrantStatus.Active).ToListAsync(cancellationToken))
            {
                if (grant.IsActiveAt(now))
                {
                    var stream = await session.Events.FetchForWriting<Grant>(grant.Id, grant.Version, cancellationToken);
                    stream.AppendOne(GrantDecider.Decide(new RevokeGrant(Reason, now), stream.Aggregate!));
                    revoked.Add(grant.Id);
                }
            }

            var denied = new List<Guid>();
            var requests = await session.Query<AccessRequest>()
                .Where(r => r.CustomerId == customerId && r.Status == AccessRequestStatus.Pending).ToListAsync(cancellationToken);
            foreach (var request in requests.Where(r => r.StatusAt(now) == AccessRequestStatus.Pending))
            {
                var stream = await session.Events.FetchForWriting<AccessRequest>(request.Id, request.Version, cancellationToken);
                stream.AppendOne(AccessRequestDecider.Decide(new DenyRequest(Reason, now), stream.Aggregate!));
                denied.Add(request.Id);
            }

            profile.AppendOne(new CustomerErased(customerId, now));
            session.Delete<CustomerDataKey>(customerId);
            await session.SaveChangesAsync(cancellationToken);
            report = new ErasureReport(customerId, now, revoked, denied);
        }

        // After the events: their notifications, written with them, still name her by each vendor's id.
        await PairwiseIds.ForgetAsync(database.Connection!, customerId, now, cancellationToken);

        await CloseAccountAsync(customerId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return report;
    }

    // The account stays (its id is the subject of her consent history) but holds nothing of hers and opens for no one.
    private async Task CloseAccountAsync(Guid customerId, CancellationToken cancellationToken)
    {
        var user = await users.FindByIdAsync(customerId.ToString())
                   ?? throw new InvalidOperationException($"Customer {customerId} has a profile but no account.");
        user.UserName = user.Email = $"erased-{customerId:N}@erased.invalid";
        user.EmailConfirmed = false;
        user.PhoneNumber = null;
        user.PasswordHash = null;
        user.LockoutEnabled = true;
        user.LockoutEnd = DateTimeOffset.MaxValue;
        user.SecurityStamp = Guid.NewGuid().ToString("N");
        var updated = await users.UpdateAsync(user);
        if (!updated.Succeeded)
        {
            throw new InvalidOperationException("Closing the account failed: " + string.Join(" ", updated.Errors.Select(e => e.Description)));
        }

        var subject = customerId.ToString();
        await foreach (var token in tokens.FindBySubjectAsync(subject, cancellationToken))
        {
            await tokens.DeleteAsync(token, cancellationToken);
        }

        await foreach (var authorization in authorizations.FindBySubjectAsync(subject, cancellationToken))
        {
            await authorizations.DeleteAsync(authorization, cancellationToken);
        }
    }
}
