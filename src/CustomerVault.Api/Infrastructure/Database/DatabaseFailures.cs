using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace CustomerVault.Infrastructure.Database;

/// <summary>
/// Tells "the database cannot be used right now" (unreachable, restarting, between two leaders, or this server no
/// longer accepts writes) from a failure of the work itself. The first kind passes: a failover takes seconds.
/// </summary>
public static class DatabaseFailures
{
    // Server-side reasons that say nothing about the statement: the server is shutting down or starting, out of
    // connections, or (25006) it is a standby now and the vault reached it on a connection opened while it led.
    private static readonly HashSet<string> UnavailableStates =
    [
        PostgresErrorCodes.AdminShutdown, PostgresErrorCodes.CrashShutdown, PostgresErrorCodes.CannotConnectNow,
        PostgresErrorCodes.TooManyConnections, PostgresErrorCodes.ReadOnlySqlTransaction, PostgresErrorCodes.IdleSessionTimeout,
    ];

    /// <summary>
    /// True when the failure (or one it wraps: Marten and EF Core wrap Npgsql's) means the database could not be
    /// used: a connection refused, broken or timed out, no host accepting writes, or one of the states above.
    /// </summary>
    public static bool IsUnavailable(Exception? exception) => Unwrap(exception).Any(e => e switch
    {
        PostgresException p => UnavailableStates.Contains(p.SqlState) || p.SqlState.StartsWith("08", StringComparison.Ordinal),
        // A connection used by two operations at once: a defect in the vault, which must stay a 500.
        NpgsqlOperationInProgressException => false,
        // Raised by Npgsql itself rather than by the server: the connection, not the statement, failed.
        NpgsqlException => true,
        _ => false,
    });

    /// <summary>What went wrong in a few words for a log line: no statement, no parameter value.</summary>
    public static string Describe(Exception? exception)
    {
        var failure = Unwrap(exception).LastOrDefault(e => e is NpgsqlException) ?? exception;
        return failure switch
        {
            null => "no answer",
            PostgresException p => $"{p.SqlState} {p.MessageText}",
            _ => failure.InnerException is { } inner && failure.InnerException is not AggregateException
                ? $"{failure.Message} ({inner.GetType().Name}: {inner.Message})"
                : failure.Message,
        };
    }

    private static IEnumerable<Exception> Unwrap(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Unwrap))
                {
                    yield return inner;
                }

                yield break;
            }
        }
    }
}

/// <summary>
/// A request that fails because the database is unavailable gets 503 with Retry-After, not 500: nothing is wrong
/// with the request, and during a failover the next attempt a few seconds later succeeds. A write that failed this
/// way may or may not have been saved (the connection can break after the commit was sent), so the answer says how
/// to retry safely.
/// </summary>
public sealed class DatabaseUnavailableHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 2;

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!DatabaseFailures.IsUnavailable(exception))
        {
            return false;
        }

        logger.LogWarning("Request refused with 503, the database is unavailable: {Failure}", DatabaseFailures.Describe(exception));
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The database is unavailable.",
                Detail = "The vault cannot reach its database, or the database is changing leaders. Retry in a few seconds. "
                         + "A change may have been saved although this answer says otherwise: resend it with the same Idempotency-Key, "
                         + "or read the resource first.",
            },
        });
    }
}
