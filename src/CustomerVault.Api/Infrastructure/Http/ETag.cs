using System.Globalization;
using Microsoft.Net.Http.Headers;

namespace CustomerVault.Infrastructure.Http;

/// <summary>
/// Stream versions as entity tags: a response's ETag is <c>"{version}"</c>, and an <c>If-Match</c> with it
/// becomes the expected version of the write, so a stale write is refused instead of silently overwriting.
/// </summary>
public static class ETag
{
    public static string For(long version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    public static void Set(HttpResponse response, long version) => response.Headers.ETag = For(version);

    /// <summary>The version that <c>If-Match</c> expects, or null when the request sets none (or <c>*</c>).</summary>
    public static long? ExpectedVersion(HttpRequest request)
    {
        var header = request.Headers.IfMatch;
        if (header.Count == 0)
        {
            return null;
        }

        if (!EntityTagHeaderValue.TryParseList(header, out var tags) || tags.Count != 1)
        {
            throw RequestValidationException.For("If-Match", "must be one entity tag as returned in ETag, e.g. \"3\".");
        }

        var tag = tags[0];
        if (tag.Equals(EntityTagHeaderValue.Any))
        {
            return null;
        }

        return !tag.IsWeak && long.TryParse(tag.Tag.AsSpan(1, tag.Tag.Length - 2), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : throw RequestValidationException.For("If-Match", "must be a strong entity tag as returned in ETag, e.g. \"3\".");
    }
}
