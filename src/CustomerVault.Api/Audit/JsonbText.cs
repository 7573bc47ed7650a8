using System.Globalization;
using System.Text;
using System.Text.Json;

namespace CustomerVault.Audit;

/// <summary>
/// The text PostgreSQL gives for a jsonb value (<c>data::text</c>), rebuilt from the value alone. The hash chain covers
/// that text; jsonb keeps no formatting of its own, so anyone holding an event's data as JSON, however it was
/// formatted on the way (the feed's JSON, NDJSON, a pretty-printer), can recompute its hash.
/// </summary>
/// <remarks>
/// The rules of PostgreSQL's jsonb output: each key once, shorter keys first, equal lengths bytewise (UTF-8); members
/// joined by <c>", "</c>, keys and values by <c>": "</c>, array elements by <c>", "</c>, no other space; strings escape
/// the quote, the backslash and control characters (<c>\b \f \n \r \t</c>, the others as <c>\u00xx</c> in lowercase
/// hex) and nothing else; numbers as PostgreSQL's numeric prints them, which is how the feed delivers them (keep them as
/// written). In Python, for the vault's events:
/// <c>json.dumps(data, ensure_ascii=False, separators=(", ", ": "))</c>.
/// </remarks>
public static class JsonbText
{
    public static string Render(JsonElement value)
    {
        var text = new StringBuilder();
        Write(text, value);
        return text.ToString();
    }

    private static void Write(StringBuilder text, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                var members = value.EnumerateObject()
                    .GroupBy(p => p.Name, StringComparer.Ordinal).Select(g => g.Last()) // jsonb keeps the last of duplicate keys
                    .Select(p => (Key: Encoding.UTF8.GetBytes(p.Name), p.Name, p.Value))
                    .OrderBy(p => p.Key.Length).ThenBy(p => p.Key, ByteOrder.Instance);
                var first = true;
                foreach (var (_, name, member) in members)
                {
                    text.Append(first ? "" : ", ");
                    first = false;
                    WriteString(text, name);
                    text.Append(": ");
                    Write(text, member);
                }

                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var index = 0;
                foreach (var element in value.EnumerateArray())
                {
                    text.Append(index++ == 0 ? "" : ", ");
                    Write(text, element);
                }

                text.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(text, value.GetString()!);
                break;
            case JsonValueKind.Number:
                text.Append(value.GetRawText());
                break;
            case JsonValueKind.True:
                text.Append("true");
                break;
            case JsonValueKind.False:
                text.Append("false");
                break;
            default:
                text.Append("null");
                break;
        }
    }

    private static void WriteString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\b': text.Append("\\b"); break;
                case '\f': text.Append("\\f"); break;
                case '\n': text.Append("\\n"); break;
                case '\r': text.Append("\\r"); break;
                case '\t': text.Append("\\t"); break;
                case < ' ': text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: text.Append(c); break;
            }
        }

        text.Append('"');
    }

    private sealed class ByteOrder : IComparer<byte[]>
    {
        public static readonly ByteOrder Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
