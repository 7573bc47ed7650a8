using Marten;
using Marten.Services;
using Npgsql;

namespace CustomerVault.Infrastructure.EventStore;

/// <summary>
/// What the event store logs about its commands. A write that loses a race to another writer fails on a unique key
/// (the stream's next version, or a document's id) and is answered 409 or 412: the caller's retry is the remedy, so
/// it is logged at information, without a stack trace. Any other failure is the vault's, logged as an error with one.
/// Neither logs parameter values (Marten's own logger does): they are customers' data.
/// </summary>
public sealed class StoreLogger(ILogger<IDocumentStore> logger) : IMartenLogger, IMartenSessionLogger
{
    // Raised by the store's quick append when the stream moved on since it was read.
    private const string StreamVersionMismatch = "MT003";

    public IMartenSessionLogger StartSession(IQuerySession session) => this;

    public void SchemaChange(string sql) => logger.LogInformation("Executed schema update SQL:\n{Sql}", sql);

    public void LogFailure(NpgsqlCommand command, Exception ex) => Failed(command.CommandText, ex);

    public void LogFailure(NpgsqlBatch batch, Exception ex) => Failed(string.Join(";\n", batch.BatchCommands.Cast<NpgsqlBatchCommand>().Select(c => c.CommandText)), ex);

    public void LogFailure(Exception ex, string message) => Failed(message, ex);

    public void LogSuccess(NpgsqlCommand command)
    {
    }

    public void LogSuccess(NpgsqlBatch batch)
    {
    }

    public void OnBeforeExecute(NpgsqlCommand command)
    {
    }

    public void OnBeforeExecute(NpgsqlBatch batch)
    {
    }

    public void RecordSavedChanges(IDocumentSession session, IChangeSet commit)
    {
    }

    private void Failed(string sql, Exception exception)
    {
        if (LostARace(exception))
        {
            logger.LogInformation("A write lost to a concurrent one and is refused: {Failure}", exception.Message);
        }
        else
        {
            logger.LogError(exception, "The event store failed executing\n{Sql}", sql);
        }
    }

    private static bool LostARace(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is JasperFx.ConcurrencyException or PostgresException { SqlState: PostgresErrorCodes.UniqueViolation or StreamVersionMismatch })
            {
                return true;
            }
        }

        return false;
    }
}
