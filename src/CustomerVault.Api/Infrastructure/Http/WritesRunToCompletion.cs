namespace CustomerVault.Infrastructure.Http;

/// <summary>
/// A change the vault accepted runs to its end even when the client stops waiting for the answer.
/// </summary>
/// <remarks>
/// Handlers pass the request's cancellation token down to the store. For a write that meant a client timing out,
/// or simply closing the connection, cancelled the transaction in the middle of its commit: after the new events
/// had drawn their sequence numbers, so Marten rolled back and wrote tombstones for them, and nobody was told
/// (the client had gone, and ASP.NET Core logs an aborted request only at debug level). Whether a customer's
/// revocation took effect must not depend on her network. Now the outcome of every write is decided by the vault:
/// it commits or fails on its own terms (statement timeouts still bound it), it is recorded in the event store or
/// answered with an error as usual, and a client that left is logged. Reads still stop when their client leaves.
/// </remarks>
public static class WritesRunToCompletion
{
    public static IApplicationBuilder UseWritesRunToCompletion(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method) || HttpMethods.IsOptions(context.Request.Method))
        {
            await next(context);
            return;
        }

        var clientLeft = context.RequestAborted;
        context.RequestAborted = CancellationToken.None;
        try
        {
            await next(context);
        }
        catch (Exception e) when (clientLeft.IsCancellationRequested && e is OperationCanceledException or IOException or BadHttpRequestException)
        {
            // Typically it left while still sending its request, which could not be read to its end.
            Logger(context).LogInformation("The client left during {Method} {Path}, which ended with {Failure}",
                context.Request.Method, context.Request.Path, e.GetType().Name);
            return;
        }

        if (clientLeft.IsCancellationRequested)
        {
            Logger(context).LogInformation("The client left before the answer to {Method} {Path}; the vault completed it with {Status}",
                context.Request.Method, context.Request.Path, context.Response.StatusCode);
        }
    });

    private static ILogger Logger(HttpContext context) =>
        context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WritesRunToCompletion));
}
