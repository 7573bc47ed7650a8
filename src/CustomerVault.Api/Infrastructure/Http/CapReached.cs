using Microsoft.AspNetCore.Mvc;

namespace CustomerVault.Infrastructure.Http;

/// <summary>
/// A cap on what a party may hold at once is reached (active grants, pending requests): the problem names the cap,
/// its limit and the current count. 409 when only a change of state makes room (revoke a grant); 429 when time does
/// (pending requests are answered or expire), with <c>Retry-After</c> when that time is known.
/// </summary>
public sealed class CapReachedException(string cap, int limit, int current, int status, string title, string detail, TimeSpan? retryAfter = null)
    : ConflictException(detail)
{
    public ProblemDetails Problem(HttpContext context)
    {
        if (retryAfter is { } after)
        {
            context.Response.Headers.RetryAfter = ((long)Math.Ceiling(after.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var problem = new ProblemDetails { Status = status, Title = title, Detail = Message };
        problem.Extensions["cap"] = cap;
        problem.Extensions["limit"] = limit;
        problem.Extensions["current"] = current;
        return problem;
    }
}
