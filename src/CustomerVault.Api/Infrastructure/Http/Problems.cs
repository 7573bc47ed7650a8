using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CustomerVault.Infrastructure.Http;

/// <summary>The request breaks an input rule; each error is keyed by the field it concerns (400).</summary>
public sealed class RequestValidationException(IDictionary<string, string[]> errors)
    : Exception("The request is not valid: " + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")))
{
    public IDictionary<string, string[]> Errors { get; } = errors;

    public static RequestValidationException For(string field, string message) => new(new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>The request is valid but the resource's current state does not allow it (409).</summary>
public class ConflictException(string message, string? currentState = null) : Exception(message)
{
    public string? CurrentState { get; } = currentState;
}

/// <summary>The customer erased her account: nothing of hers can be read or changed any more (410).</summary>
public sealed class CustomerErasedException(Guid customerId) : Exception($"Customer {customerId} erased her account.")
{
    public Guid CustomerId { get; } = customerId;
}

/// <summary>
/// The one place where failures become RFC 9457 problem documents, so handlers never catch for flow control:
/// rule broken → 409, stale version → 412 (or 409 without If-Match), invalid input → 400 naming the fields.
/// </summary>
public sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        ProblemDetails? problem = exception switch
        {
            RequestValidationException e => new HttpValidationProblemDetails(e.Errors)
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request is not valid.",
                Detail = "See errors: each names the field and what is wrong with it.",
            },
            CapReachedException e => e.Problem(httpContext),
            VendorAccess.ContactRefusedException e => e.Problem(httpContext, httpContext.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow()),
            ConflictException e => WithState(new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "The request conflicts with the current state.",
                Detail = e.Message,
            }, e.CurrentState),
            JasperFx.ConcurrencyException when httpContext.Request.Headers.IfMatch.Count > 0 => new ProblemDetails
            {
                Status = StatusCodes.Status412PreconditionFailed,
                Title = "The resource has changed.",
                Detail = "The If-Match version is not the current one. Read the resource again and reapply your change.",
            },
            JasperFx.ConcurrencyException => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "A concurrent change won.",
                Detail = "Another change to the same resource was saved first. Read it again and retry.",
            },
            AccessLog.AccessLogUnavailableException e => new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The read could not be logged.",
                Detail = e.Message + " Try again shortly.",
            },
            AccessLog.GrantChangedDuringReadException e => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "A grant changed during the read.",
                Detail = e.Message + " Read again to get the current decision.",
            },
            Vendors.VendorNotAllowedException e => new ProblemDetails
            {
                Status = StatusCodes.Status403Forbidden,
                Title = "This vendor may not act now.",
                Detail = e.Message,
            },
            Connections.UnknownCustomerException => new ProblemDetails
            {
                Status = StatusCodes.Status404NotFound,
                Title = "No such customer.",
                Detail = "You know no customer under this id. Use the id the vault gave you for her: the sub of her sign-in, a redeemed connection code, "
                         + "or the customerId of your requests and grants.",
            },
            CustomerErasedException => new ProblemDetails
            {
                Status = StatusCodes.Status410Gone,
                Title = "This customer erased her account.",
                Detail = "Her data was destroyed at her request; nothing of it can be read or changed.",
            },
            JasperFx.DocumentAlreadyExistsException => new ProblemDetails
            {
                Status = StatusCodes.Status409Conflict,
                Title = "A concurrent request created the same resource.",
                Detail = "Another request with the same identity was saved first. Read the resource, or retry.",
            },
            BadHttpRequestException { InnerException: JsonException json } => Invalid(JsonInput.Describe(json)),
            BadHttpRequestException e when UnboundParameter().Match(e.Message) is { Success: true } parameter =>
                Invalid((parameter.Groups["name"].Value, ExpectedForm(parameter.Groups["type"].Value))),
            BadHttpRequestException e => new ProblemDetails
            {
                Status = e.StatusCode,
                Title = "The request could not be read.",
                Detail = e.Message,
            },
            JsonException e => Invalid(JsonInput.Describe(e)),
            _ => null,
        };

        if (problem is null)
        {
            if (UnstorableText(exception) is not { } state)
            {
                return false;
            }

            // Input checks should have refused it where it came in, with its field named; this is the last line.
            logger.LogWarning("Request refused with 400: text the database cannot store ({SqlState}) reached it", state);
            problem = new ProblemDetails
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request holds text the vault cannot store.",
                Detail = "A value holds a character that cannot be stored, such as U+0000. Remove control characters and send it again.",
            };
        }
        else
        {
            logger.LogInformation("Request refused with {Status}: {Title}", problem.Status, problem.Title);
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static HttpValidationProblemDetails Invalid((string Field, string Message) error) =>
        new(new Dictionary<string, string[]> { [error.Field] = [error.Message] })
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is not valid.",
            Detail = "See errors: each names the field and what is wrong with it.",
        };

    private static string ExpectedForm(string type) => type.Replace("Nullable<", "", StringComparison.Ordinal).TrimEnd('>') switch
    {
        "int" or "Int32" or "long" or "Int64" => "must be a whole number.",
        "Guid" => "must be an id (a UUID such as 0192f1c8-6b2e-7a51-9c3e-1f2a3b4c5d6e).",
        "DateTimeOffset" or "DateTime" => "must be an RFC 3339 date and time, such as 2026-11-23T10:00:00Z.",
        "bool" or "Boolean" => "must be true or false.",
        _ => "is not a valid value.",
    };

    // PostgreSQL's "untranslatable character" and "character not in repertoire", however the driver or the store wraps them.
    private static string? UnstorableText(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is PostgresException { SqlState: PostgresErrorCodes.UntranslatableCharacter or PostgresErrorCodes.CharacterNotInRepertoire } postgres)
            {
                return postgres.SqlState;
            }
        }

        return null;
    }

    // How ASP.NET Core names a route, query or header value it could not bind: 'parameter "Nullable<int> limit"'.
    [GeneratedRegex("""parameter "(?<type>[^"]+) (?<name>[^" ]+)" (from|was not provided)""")]
    private static partial Regex UnboundParameter();

    private static ProblemDetails WithState(ProblemDetails problem, string? state)
    {
        if (state is not null)
        {
            problem.Extensions["currentState"] = state;
        }

        return problem;
    }
}

/// <summary>
/// Writes a problem document whatever the request's Accept says. The framework's writer declines a client that accepts
/// no JSON (an XML client, a browser asking for HTML), and a 401 or a 409 then became a 500 with an empty body. RFC 9110
/// lets a server disregard Accept rather than answer 406; for an error, a problem document is the API's one form.
/// </summary>
internal sealed class AnyAcceptProblemWriter(IOptions<ProblemDetailsOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json) : IProblemDetailsWriter
{
    // Registered after the framework's writer, which answers every client that accepts JSON.
    public bool CanWrite(ProblemDetailsContext context) => true;

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        var response = context.HttpContext.Response;
        problem.Status ??= response.StatusCode;
        var defaults = TypedResults.Problem(statusCode: problem.Status).ProblemDetails;
        problem.Type ??= defaults.Type;
        problem.Title ??= defaults.Title;
        options.Value.CustomizeProblemDetails?.Invoke(context);
        await response.WriteAsJsonAsync(problem, problem.GetType(), json.Value.SerializerOptions, "application/problem+json");
    }
}

public static class ProblemSetup
{
    public static IServiceCollection AddVaultProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            ProblemTypes.Apply(context.ProblemDetails, context.HttpContext);
            context.ProblemDetails.Extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
        });
        services.AddSingleton<IProblemDetailsWriter, AnyAcceptProblemWriter>();
        services.AddExceptionHandler<ProblemExceptionHandler>();

        // A value the API cannot bind is refused by the exception handler above in every environment, with the field
        // named; otherwise outside Development it would be a bare 400 logged at debug level.
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }
}
