using System.Diagnostics;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

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
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
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
            BadHttpRequestException e => new ProblemDetails
            {
                Status = e.StatusCode,
                Title = "The request could not be read.",
                Detail = e.InnerException is JsonException json ? $"The body is not valid JSON: {json.Message}" : e.Message,
            },
            JsonException e => new ProblemDetails
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request could not be read.",
                Detail = $"The body is not valid JSON: {e.Message}",
            },
            _ => null,
        };

        if (problem is null)
        {
            return false;
        }

        logger.LogInformation("Request refused with {Status}: {Title}", problem.Status, problem.Title);
        httpContext.Response.StatusCode = problem.Status!.Value;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static ProblemDetails WithState(ProblemDetails problem, string? state)
    {
        if (state is not null)
        {
            problem.Extensions["currentState"] = state;
        }

        return problem;
    }
}

public static class ProblemSetup
{
    public static IServiceCollection AddVaultProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Instance ??= context.HttpContext.Request.Path;
            context.ProblemDetails.Extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<ProblemExceptionHandler>();
        return services;
    }
}
