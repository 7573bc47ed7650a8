using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;

namespace CustomerVault.Infrastructure.RateLimiting;

/// <summary>A named quota, as the caller is told of it.</summary>
public sealed record Limit(string Name, Quota Quota, string Caller);

/// <summary>
/// A refusal for going over a limit: 429, an RFC 9457 problem document, <c>Retry-After</c> (RFC 9110) in seconds, and
/// the <c>RateLimit-Policy</c> and <c>RateLimit</c> fields of draft-ietf-httpapi-ratelimit-headers-10 (structured field
/// lists keyed by the policy's name: quota <c>q</c> per window <c>w</c> seconds; remaining <c>r</c>, and <c>t</c> seconds
/// until the next request is allowed).
/// </summary>
public static class RateLimitRejection
{
    private static readonly object LimitKey = new();

    /// <summary>Remembers which limit a request is counted against, for its refusal.</summary>
    public static void Remember(HttpContext context, Limit limit) => context.Items[LimitKey] = limit;

    public static async ValueTask WriteAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        var context = rejected.HttpContext;
        if (context.Items[LimitKey] is not Limit limit)
        {
            throw new InvalidOperationException("A request was refused by a rate limit that did not say which.");
        }

        var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) && after > TimeSpan.Zero
            ? after
            : limit.Quota.Bucket().ReplenishmentPeriod;
        var seconds = (long)Math.Ceiling(retryAfter.TotalSeconds);
        var headers = context.Response.Headers;
        headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Policy"] = $"\"{limit.Name}\";q={limit.Quota.PermitLimit};w={(long)limit.Quota.Window.TotalSeconds}";
        headers["RateLimit"] = $"\"{limit.Name}\";r=0;t={seconds}";

        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status429TooManyRequests,
            Title = "Too many requests.",
            Detail = $"{limit.Caller} may make {limit.Quota.PermitLimit} such requests per {Describe(limit.Quota.Window)}. Try again in {seconds} s.",
        };
        problem.Extensions["limit"] = limit.Name;
        problem.Extensions["retryAfter"] = seconds;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }

    private static string Describe(TimeSpan window) => window switch
    {
        { TotalDays: >= 1 } when window.TotalDays % 1 == 0 => window.TotalDays == 1 ? "day" : $"{window.TotalDays} days",
        { TotalHours: >= 1 } when window.TotalHours % 1 == 0 => window.TotalHours == 1 ? "hour" : $"{window.TotalHours} hours",
        { TotalMinutes: >= 1 } when window.TotalMinutes % 1 == 0 => window.TotalMinutes == 1 ? "minute" : $"{window.TotalMinutes} minutes",
        _ => $"{window.TotalSeconds} seconds",
    };
}
