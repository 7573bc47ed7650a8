using CustomerVault.Infrastructure.Http;
using Marten;

namespace CustomerVault.Kernel;

/// <summary>A page of a list; <c>next</c> is the link to the following page, absent on the last.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? Next);

/// <summary>limit/offset paging: a page asks for one item more than it shows, to know whether a next page exists.</summary>
public sealed record Paging(int Limit, int Offset)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    public static Paging Of(int? limit, int? offset)
    {
        if (limit is < 1 or > MaxLimit)
        {
            throw RequestValidationException.For("limit", $"must be from 1 to {MaxLimit}.");
        }

        if (offset is < 0)
        {
            throw RequestValidationException.For("offset", "cannot be negative.");
        }

        return new Paging(limit ?? DefaultLimit, offset ?? 0);
    }

    /// <summary>This page of a query (in the query's order), each item shown as <paramref name="views"/> makes it.</summary>
    public async Task<Page<TView>> PageAsync<T, TView>(
        IQueryable<T> ordered, Func<IReadOnlyList<T>, Task<IReadOnlyList<TView>>> views, HttpRequest request, CancellationToken cancellationToken)
        where T : notnull
    {
        var fetched = await ordered.Skip(Offset).Take(Limit + 1).ToListAsync(cancellationToken);
        return Page(await views(fetched), request);
    }

    /// <summary>This page of a list already in memory (in its order).</summary>
    public Page<T> Slice<T>(IEnumerable<T> all, HttpRequest request) => Page(all.Skip(Offset).Take(Limit + 1).ToList(), request);

    public Page<T> Page<T>(IReadOnlyList<T> fetched, HttpRequest request)
    {
        if (fetched.Count <= Limit)
        {
            return new Page<T>(fetched, null);
        }

        var query = QueryString.Create(request.Query
            .Where(q => q.Key is not ("offset" or "limit"))
            .SelectMany(q => q.Value.Select(v => new KeyValuePair<string, string?>(q.Key, v)))
            .Append(new("limit", Limit.ToString(System.Globalization.CultureInfo.InvariantCulture)))
            .Append(new("offset", (Offset + Limit).ToString(System.Globalization.CultureInfo.InvariantCulture))));
        return new Page<T>(fetched.Take(Limit).ToList(), request.PathBase + request.Path + query);
    }
}
