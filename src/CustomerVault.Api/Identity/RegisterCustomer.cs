using System.Text.Json;
using CustomerVault.Infrastructure.Encryption;
using CustomerVault.Infrastructure.EventStore;
using CustomerVault.Profiles;
using Marten;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace CustomerVault.Identity;

public sealed record RegisterCustomer(string Email, string Password);

/// <summary>
/// Opens a customer's account and her vault in one database transaction: the sign-in account, her data key and
/// her profile stream (registered, with the e-mail she signed up with) exist together or not at all.
/// </summary>
public sealed class CustomerRegistration(
    IdentityStore identityStore,
    UserManager<VaultUser> users,
    IDocumentStore documentStore,
    CustomerKeyring keyring,
    TimeProvider clock,
    IHttpContextAccessor httpContextAccessor)
{
    public async Task<(VaultUser? User, IReadOnlyList<IdentityError> Errors)> RegisterAsync(RegisterCustomer command, CancellationToken cancellationToken)
    {
        var user = new VaultUser { Id = Guid.CreateVersion7(), UserName = command.Email, Email = command.Email };

        await using var transaction = await identityStore.Database.BeginTransactionAsync(cancellationToken);
        var created = await users.CreateAsync(user, command.Password);
        if (!created.Succeeded)
        {
            return (null, created.Errors.ToList());
        }

        var options = Marten.Services.SessionOptions.ForTransaction((NpgsqlTransaction)transaction.GetDbTransaction());
        options.Tracking = DocumentTracking.None;
        await using (var session = documentStore.OpenSession(options))
        {
            ActorContext.Stamp(session, $"{VaultClaims.ActorTypes.Customer}:{user.Id}", httpContextAccessor.HttpContext?.TraceIdentifier);
            var cipher = keyring.Create(session, user.Id);
            var now = clock.GetUtcNow();
            session.Events.StartStream<Profile>(user.Id,
                new CustomerRegistered(user.Id, now),
                new ProfileAttributeSet(user.Id, "contact.email", cipher.Seal("contact.email", JsonSerializer.Serialize(command.Email, ValueJson.Options)), now));
            await session.SaveChangesAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return (user, []);
    }
}
