using System.Security.Cryptography;
using System.Text;
using Marten;
using Npgsql;

namespace CustomerVault.Infrastructure.EventStore;

/// <summary>
/// Transaction-scoped PostgreSQL advisory locks, for rules that span several streams (a cap on pending requests,
/// a weekly contact cap): every node takes the same lock, and it is released when the transaction ends.
/// </summary>
public static class Locks
{
    /// <summary>Takes the lock for (<paramref name="purpose"/>, <paramref name="a"/>, <paramref name="b"/>) in the session's open transaction.</summary>
    public static Task LockAsync(IDocumentSession session, string purpose, Guid a, Guid b, CancellationToken cancellationToken) =>
        LockAsync(session.Connection, purpose, a, b, cancellationToken);

    /// <summary>Takes the lock in the connection's open transaction.</summary>
    public static async Task LockAsync(NpgsqlConnection connection, string purpose, Guid a, Guid b, CancellationToken cancellationToken)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{purpose}/{a:N}/{b:N}"));
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection)
        {
            Parameters = { new() { Value = BitConverter.ToInt64(hash, 0) } },
        };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
