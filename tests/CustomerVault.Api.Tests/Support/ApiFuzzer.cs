using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace CustomerVault.Api.Tests.Support;

/// <summary>One operation of the OpenAPI document, as the fuzzer reads it.</summary>
public sealed record ApiOperation(
    string Method, string Path, string Id, IReadOnlyList<string> Scopes, IReadOnlyList<JsonObject> Parameters, string? MediaType, JsonObject? Body)
{
    public override string ToString() => $"{Id} ({Method} {Path})";
}

/// <summary>
/// A request the fuzzer sends: what it changed from a valid request, and everything needed to send it again.
/// <paramref name="Token"/> says whose: <c>own</c> (the operation's kind of caller), <c>other-kind</c>, or a broken one.
/// </summary>
public sealed record FuzzedRequest(
    ApiOperation Operation, string Mutation, string Method, string Url, string Token, IReadOnlyList<(string Name, string Value)> Headers,
    string? ContentType, byte[]? Body, bool Chunked)
{
    public HttpRequestMessage ToMessage(string? authorization)
    {
        var message = new HttpRequestMessage(new HttpMethod(Method), Url);
        if (authorization is not null)
        {
            message.Headers.TryAddWithoutValidation("Authorization", authorization);
        }

        if (Body is not null)
        {
            message.Content = Chunked ? new StreamContent(new MemoryStream(Body)) : new ByteArrayContent(Body);
            if (ContentType is not null)
            {
                message.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
            }
        }

        message.Headers.TransferEncodingChunked = Chunked ? true : null;
        foreach (var (name, value) in Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        return message;
    }

    /// <summary>The request as a reader needs it to reproduce a failure: method, URL, headers, and the body's start.</summary>
    public override string ToString()
    {
        var text = new StringBuilder($"{Operation.Id} [{Mutation}]: {Method} {Url}\n  token: {Token}");
        foreach (var (name, value) in Headers)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  {name}: {Escape(value)}");
        }

        if (Body is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  Content-Type: {ContentType}{(Chunked ? " (chunked)" : "")}\n  {Body.Length} bytes: ");
            text.Append(Escape(Encoding.UTF8.GetString(Body, 0, Math.Min(Body.Length, 400))));
        }

        return text.ToString();
    }

    private static string Escape(string value) => string.Concat(value.Select(c => char.IsControl(c) || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}

/// <summary>
/// Walks every operation of an OpenAPI document and derives requests from it: first a valid one, built from the
/// schemas (and a few hints where a schema cannot say what is valid), then mutations of it (wrong types, boundary
/// values, control characters, invalid Unicode, huge values, odd headers, random and empty ids, unknown members).
/// Deterministic: the same seed gives the same requests, and each operation has its own sequence, so operations
/// added later do not change the requests of the others.
/// </summary>
/// <remarks>
/// <paramref name="knownIds"/> name the ids of existing things by parameter or member name; <paramref name="idsByScope"/>
/// overrides them for the operations that require a scope (a vendor names a customer by its own id for her, an auditor by
/// her vault id).
/// </remarks>
public sealed partial class ApiFuzzer(
    JsonObject document, IReadOnlyDictionary<string, Guid> knownIds, DateTimeOffset now, int seed,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, Guid>>? idsByScope = null)
{
    /// <summary>Larger than any body the API takes.</summary>
    public const int HugeBodyBytes = 2 * 1024 * 1024;

    // What a schema alone cannot say: values that pass validation, so that a single mutation reaches deep code.
    private static readonly Dictionary<string, Func<DateTimeOffset, JsonNode?>> Hints = new(StringComparer.OrdinalIgnoreCase)
    {
        ["purpose"] = _ => "marketing",
        ["scopes"] = _ => new JsonArray("name", "email"),
        ["removeScopes"] = _ => new JsonArray("email"),
        ["duration"] = _ => "P6M",
        ["description"] = _ => "Fuzzing the vault.",
        ["reason"] = _ => "Fuzzing the vault.",
        ["channel"] = _ => "email",
        ["channels"] = _ => new JsonArray("email"),
        ["maxContactsPerWeek"] = _ => 2,
        ["url"] = _ => "https://hooks.example/fuzz",
        ["webhookUrl"] = _ => "https://hooks.example/fuzz",
        ["website"] = _ => "https://vendor.example",
        ["contactEmail"] = _ => "privacy@vendor.example",
        ["email"] = _ => "fuzz@example.org",
        ["phone"] = _ => "+4930123456",
        ["displayName"] = _ => "Fuzz Vendor",
        ["given"] = _ => "Ada",
        ["family"] = _ => "Lovelace",
        ["birthdate"] = _ => "1990-12-10",
        ["country"] = _ => "DE",
        ["postalCode"] = _ => "10115",
        ["locality"] = _ => "Berlin",
        ["interests"] = _ => new JsonArray("astronomy"),
        ["expiresAt"] = n => n.AddDays(30).ToString("O", CultureInfo.InvariantCulture),
        ["limit"] = _ => 10,
        ["offset"] = _ => 0,
        ["after"] = _ => 0,
    };

    private static readonly string[] OddAccepts =
    [
        "application/xml", "text/html", "text/plain", "image/png", "*/*;q=0", "application/json;q=0", "application/problem+xml", "garbage",
        "application/json;q=abc", "text/*, application/xml;q=0.9", ",,,", "application/json; charset=utf-16",
    ];

    private static readonly string[] OddContentTypes =
    [
        "text/plain", "application/xml", "application/x-www-form-urlencoded", "multipart/form-data", "multipart/form-data; boundary=x",
        "application/json; charset=iso-8859-1", "application/json; charset=utf-16", "application/octet-stream", "garbage", ";;;", "application/",
        "application/merge-patch+json", "application/json-patch+json",
    ];

    private static readonly string[] OddStrings =
    [
        "", " ", "\u0000", "a\u0000b", "\u0001", "\u0007", "\u001b[31m", "\u001f", "\u007f", "\u0085", "\u009f", "\t\r\n", "\ufeff", "\ufffe", "\uffff",
        "\u202eevil", "\u200b", "😀", "ｆｕｌｌ", "'; DROP TABLE mt_events; --", "<script>alert(1)</script>", "%s%n%x", "${jndi:ldap://x}", "../../etc/passwd",
        "null", "true", "0", "-1", "1e400", "NaN", "P", "P0D", "P-1D", "P99999999Y", "P9999Y", "P24M1D", "PT0S", "pending,active", "Active", " active ", "*", "\\", "\"",
        "00000000-0000-0000-0000-000000000000", "http://127.0.0.1/", "https://[::1]/", "javascript:alert(1)", "mailto:x@x", "https://", "ftp://x.example/",
    ];

    private static readonly string[] OddIds =
    [
        "00000000-0000-0000-0000-000000000000", "not-a-guid", "1", "-1", "%00", "%C3%28", "..%2F..%2Fvendors", "%2e%2e", "%20", "null",
        "{00000000-0000-0000-0000-000000000000}", "00000000000000000000000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff", "g" + new string('a', 35),
    ];

    private static readonly string[] OddQueryValues =
    [
        "", "abc", "-1", "0", "2147483647", "2147483648", "-2147483649", "99999999999999999999999", "1.5", "1e3", "%00", "%01", "%7F", "%ZZ", "%C3%28",
        "%ED%A0%80", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.9999999%2B14:00", "2030-01-01T00:00:00-09:30", "2026-13-45", "00000000-0000-0000-0000-000000000000",
        "pending,active", "%E2%80%AE", "true", "null", "%5B%5D",
    ];

    public IReadOnlyList<ApiOperation> Operations()
    {
        var operations = new List<ApiOperation>();
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, node) in item!.AsObject())
            {
                var operation = node!.AsObject();
                var scopes = operation["security"]?.AsArray().SelectMany(s => s!.AsObject().SelectMany(r => r.Value!.AsArray().Select(x => x!.GetValue<string>())))
                    .ToList() ?? [];
                var content = operation["requestBody"]?["content"]?.AsObject();
                var (mediaType, body) = content is null ? (null, null)
                    : content.Select(c => (c.Key, Resolve(c.Value!["schema"]))).FirstOrDefault(c => c.Key.Contains("json", StringComparison.Ordinal));
                operations.Add(new ApiOperation(method.ToUpperInvariant(), path, operation["operationId"]?.GetValue<string>() ?? $"{method} {path}", scopes,
                    operation["parameters"]?.AsArray().Select(p => Resolve(p)!).ToList() ?? [], mediaType, body));
            }
        }

        // Reads first, erasure last: a customer who erased her account answers everything else with 410.
        return operations.OrderBy(o => o.Method switch { "GET" => 0, "DELETE" => 2, _ => 1 }).ThenBy(o => o.Path, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// The valid request first; then the known hostile cases, each once (a NUL in every string of the body, an empty id
    /// in every id, an unknown member, a refusal that must be written for an odd Accept, a huge chunked body); then
    /// random mutations, one or two at a time, up to <paramref name="count"/> requests in all.
    /// </summary>
    public IEnumerable<FuzzedRequest> Requests(ApiOperation operation, int count)
    {
        var random = new Random(seed ^ StableHash(operation.Id));
        var sent = 0;
        foreach (var request in KnownCases(operation))
        {
            sent++;
            yield return request;
        }

        for (; sent < count; sent++)
        {
            var draft = Valid(operation);
            var mutations = Enumerable.Range(0, random.Next(3) == 0 ? 2 : 1).Select(_ => Mutate(draft, operation, random));
            yield return draft.Build(string.Join("; ", mutations.ToList()));
        }
    }

    private IEnumerable<FuzzedRequest> KnownCases(ApiOperation operation)
    {
        yield return Valid(operation).Build("valid");

        foreach (var parameter in Valid(operation).PathValues.Keys)
        {
            var draft = Valid(operation);
            draft.PathValues[parameter] = Guid.Empty.ToString();
            yield return draft.Build($"path {parameter} = empty id");
        }

        foreach (var query in operation.Parameters.Where(p => p["in"]!.GetValue<string>() == "query").Select(p => p["name"]!.GetValue<string>()))
        {
            var draft = Valid(operation);
            draft.Query.RemoveAll(q => q.Name == query);
            draft.Query.Add((query, "a%00b"));
            yield return draft.Build($"query {query} = \"a\\u0000b\"");
        }

        var unauthorised = Valid(operation);
        unauthorised.Token = "none";
        unauthorised.Headers.Add(("Accept", "application/xml"));
        yield return unauthorised.Build("no token; Accept: application/xml");

        if (Valid(operation).Json is not { } body)
        {
            yield break;
        }

        foreach (var (path, _, node) in Locations(body, "$").Where(l => l.Node is JsonValue value && value.GetValueKind() == JsonValueKind.String))
        {
            var draft = Valid(operation);
            var text = node!.GetValue<string>();
            var hostile = Guid.TryParse(text, out _) ? Guid.Empty.ToString()
                : DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, out var instant) ? instant.ToOffset(TimeSpan.FromHours(14)).ToString("O", CultureInfo.InvariantCulture)
                : text + "\u0000";
            draft.Json = Replace(draft.Json!, path, hostile);
            yield return draft.Build($"{path} = {JsonSerializer.Serialize(hostile)}");
        }

        if (body is JsonObject)
        {
            var draft = Valid(operation);
            draft.Json!["unknownMember"] = "surprise";
            yield return draft.Build("$: unknown member");
        }

        var huge = Valid(operation);
        huge.Chunked = true;
        huge.Raw = Encoding.UTF8.GetBytes($$"""{"x": "{{new string('x', HugeBodyBytes)}}"}""");
        yield return huge.Build("huge body, chunked");
    }

    private Draft Valid(ApiOperation operation)
    {
        var draft = new Draft(operation);
        var ids = IdsFor(operation);
        foreach (var parameter in operation.Parameters)
        {
            var name = parameter["name"]!.GetValue<string>();
            var schema = Resolve(parameter["schema"]);
            switch (parameter["in"]!.GetValue<string>())
            {
                case "path":
                    draft.PathValues[name] = Uri.EscapeDataString(Text(ValidValue(ids, name, schema, 0)));
                    break;
                case "query" when parameter["required"]?.GetValue<bool>() == true || Hints.ContainsKey(name) || ids.ContainsKey(name):
                    draft.Query.Add((name, Uri.EscapeDataString(Text(ValidValue(ids, name, schema, 0)))));
                    break;
                case "header" when parameter["required"]?.GetValue<bool>() == true:
                    draft.Headers.Add((name, Text(ValidValue(ids, name, schema, 0))));
                    break;
            }
        }

        if (operation.Body is not null)
        {
            draft.ContentType = operation.MediaType;
            draft.Json = ValidValue(ids, "body", operation.Body, 0);
        }

        return draft;
    }

    private IReadOnlyDictionary<string, Guid> IdsFor(ApiOperation operation)
    {
        if (idsByScope?.FirstOrDefault(s => operation.Scopes.Contains(s.Key)).Value is not { } overrides)
        {
            return knownIds;
        }

        var ids = new Dictionary<string, Guid>(knownIds);
        foreach (var (name, id) in overrides)
        {
            ids[name] = id;
        }

        return ids;
    }

    private JsonNode? ValidValue(IReadOnlyDictionary<string, Guid> ids, string name, JsonObject? schema, int depth)
    {
        if (Hints.TryGetValue(name, out var hint))
        {
            return hint(now);
        }

        schema = Resolve(schema);
        var type = schema?["type"]?.GetValue<string>();
        var format = schema?["format"]?.GetValue<string>();
        switch (type)
        {
            case "object" when depth < 4:
                var result = new JsonObject();
                foreach (var (property, propertySchema) in schema!["properties"]?.AsObject() ?? [])
                {
                    result[property] = ValidValue(ids, property, propertySchema as JsonObject, depth + 1);
                }

                return result;
            case "array":
                return new JsonArray(ValidValue(ids, name, schema!["items"] as JsonObject, depth + 1));
            case "integer":
            case "number":
                return 1;
            case "boolean":
                return true;
            case "string" when format == "uuid":
                return (ids.TryGetValue(name, out var id) ? id : Guid.NewGuid()).ToString();
            case "string" when format == "date-time":
                return now.AddDays(30).ToString("O", CultureInfo.InvariantCulture);
            case "string" when format == "date":
                return "1990-12-10";
            case "string":
                return "fuzz";
            default:
                return null;
        }
    }

    private string Mutate(Draft draft, ApiOperation operation, Random random)
    {
        var paths = draft.PathValues.Keys.ToList();
        var queries = operation.Parameters.Where(p => p["in"]!.GetValue<string>() == "query").Select(p => p["name"]!.GetValue<string>()).ToList();
        var leaves = draft.Json is null ? [] : Locations(draft.Json, "$").ToList();
        var kinds = new List<string> { "accept", "authorization", "header" };
        kinds.AddRange(Enumerable.Repeat("path", paths.Count > 0 ? 3 : 0));
        kinds.AddRange(Enumerable.Repeat("query", queries.Count > 0 ? 3 : 0));
        kinds.AddRange(Enumerable.Repeat("body", draft.Json is not null ? 8 : 0));
        kinds.AddRange(Enumerable.Repeat("raw", draft.Json is not null ? 2 : 0));
        kinds.AddRange(Enumerable.Repeat("content-type", draft.Json is not null ? 1 : 0));
        kinds.Add(draft.Json is null ? "unexpected-body" : "huge-body");

        switch (Pick(random, kinds))
        {
            case "accept":
                var accept = Pick(random, OddAccepts);
                draft.Headers.Add(("Accept", accept));
                return $"Accept: {accept}";
            case "authorization":
                draft.Token = Pick(random, ["none", "garbage", "basic", "other-kind", "empty-bearer"]);
                return $"token: {draft.Token}";
            case "header":
                var (header, value) = Pick<(string, string)>(random,
                [
                    ("If-Match", "garbage"), ("If-Match", "\"-1\""), ("If-Match", "\"99999999999999999999\""), ("If-Match", "W/\"1\""), ("If-Match", "*"),
                    ("If-Match", "\"1\", \"2\""), ("If-Match", "\"0\""), ("If-Match", "\"1"), ("If-None-Match", "*"), ("Idempotency-Key", new string('k', 300)),
                    ("Idempotency-Key", "\u0001"), ("Idempotency-Key", " "), ("Range", "bytes=0-1"), ("Accept-Language", "xx-INVALID;q=2"),
                    ("Accept-Encoding", "gzip;q=garbage"), ("Content-Encoding", "gzip"), ("X-HTTP-Method-Override", "DELETE"), ("Expect", "100-continue"),
                    ("Cookie", "a=" + new string('c', 4000)), ("X-Forwarded-Host", "evil.example"), ("Origin", "https://evil.example"),
                ]);
                draft.Headers.Add((header, value));
                return $"{header}: {value}";
            case "path":
                var parameter = Pick(random, paths);
                var id = random.Next(3) == 0 ? Guid.NewGuid().ToString() : Pick(random, OddIds);
                draft.PathValues[parameter] = id.Contains('%', StringComparison.Ordinal) ? id : Uri.EscapeDataString(id);
                return $"path {parameter} = {id}";
            case "query":
                var query = Pick(random, queries);
                var odd = random.Next(5) == 0 ? new string('q', 4000) : Pick(random, OddQueryValues);
                draft.Query.RemoveAll(q => q.Name == query);
                draft.Query.Add((query, odd));
                if (random.Next(4) == 0)
                {
                    draft.Query.Add((query, odd));
                }

                return $"query {query} = {odd}";
            case "content-type":
                draft.ContentType = random.Next(6) == 0 ? null : Pick(random, OddContentTypes);
                return $"Content-Type: {draft.ContentType ?? "(none)"}";
            case "unexpected-body":
                draft.ContentType = "application/json";
                draft.Raw = Encoding.UTF8.GetBytes("""{"unexpected": "body"}""");
                return "a body where none is expected";
            case "huge-body":
                draft.Chunked = random.Next(2) == 0;
                draft.Raw = Encoding.UTF8.GetBytes($$"""{"{{leaves.FirstOrDefault(l => l.Node is JsonValue).Name ?? "x"}}": "{{new string('x', HugeBodyBytes)}}"}""");
                return $"huge body{(draft.Chunked ? ", chunked" : "")}";
            case "raw":
                return MutateRaw(draft, random);
            default:
                return MutateJson(draft, leaves, random);
        }
    }

    private string MutateJson(Draft draft, List<(string Path, string Name, JsonNode? Node)> leaves, Random random)
    {
        var (path, name, node) = Pick(random, leaves);
        JsonNode? replacement;
        string description;
        switch (random.Next(12))
        {
            case 0:
                replacement = Pick<JsonNode?>(random, [null, true, 0, -1, 1.5, "text", new JsonArray(), new JsonObject(), new JsonArray(1, "a", null)]);
                description = $"{path} = {replacement?.ToJsonString() ?? "null"}";
                break;
            case 1 or 2 or 3:
                var text = Pick(random, OddStrings);
                replacement = node is JsonArray ? new JsonArray(text) : text;
                description = $"{path} = {JsonSerializer.Serialize(text)}";
                break;
            case 4:
                replacement = Pick<JsonNode>(random, [int.MaxValue, int.MinValue, long.MaxValue, long.MinValue, 1e308, -1e308, decimal.MaxValue, 0.000001, -0.0]);
                description = $"{path} = {replacement.ToJsonString()}";
                break;
            case 5:
                replacement = Pick(random, ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59.9999999+14:00", "2026-02-30T00:00:00Z", "2026-01-01", "2026-01-01T00:00:00",
                    now.AddDays(20).ToOffset(TimeSpan.FromHours(14)).ToString("O", CultureInfo.InvariantCulture), "2030-01-01T00:00:00-12:00",
                    "-0001-01-01T00:00:00Z", "00000000-0000-0000-0000-000000000000", Guid.NewGuid().ToString(), "not-a-guid"]);
                description = $"{path} = {replacement.ToJsonString()}";
                break;
            case 6:
                var length = Pick(random, [1_000, 60_000, 200_000]);
                replacement = node is JsonArray ? new JsonArray(Enumerable.Range(0, length / 100).Select(i => (JsonNode)$"s{i}").ToArray()) : new string('a', length);
                description = $"{path} = {(node is JsonArray ? $"{length / 100} items" : $"{length} characters")}";
                break;
            case 7 when path != "$":
                Remove(draft.Json!, path);
                return $"{path} removed";
            case 8:
                var target = Pick(random, leaves.Where(l => l.Node is JsonObject).ToList() is { Count: > 0 } objects ? objects : [("$", "body", draft.Json)]);
                if (target.Node is JsonObject parent)
                {
                    parent["unknownMember" + random.Next(100)] = "surprise";
                    return $"{target.Path}: unknown member";
                }

                replacement = new JsonObject { ["unknownMember"] = 1 };
                description = $"{path} = unknown member object";
                break;
            case 9:
                replacement = node is JsonArray array && array.Count > 0 ? new JsonArray(array[0]!.DeepClone(), array[0]!.DeepClone()) : new JsonArray();
                description = $"{path} = duplicated or empty array";
                break;
            default:
                replacement = JsonNode.Parse(string.Concat(Enumerable.Repeat("[", 70)) + string.Concat(Enumerable.Repeat("]", 70)),
                    documentOptions: new JsonDocumentOptions { MaxDepth = 200 });
                description = $"{path} = 70 nested arrays";
                break;
        }

        draft.Json = Replace(draft.Json!, path, replacement);
        return description;
    }

    // Bytes no serializer would write: invalid UTF-8, escaped lone surrogates, broken or odd JSON.
    private static string MutateRaw(Draft draft, Random random)
    {
        var json = draft.Json!.ToJsonString();
        var (description, bytes) = Pick<(string, byte[])>(random,
        [
            ("empty body", []),
            ("body null", "null"u8.ToArray()),
            ("body []", "[]"u8.ToArray()),
            ("body string", "\"text\""u8.ToArray()),
            ("body number", "12345678901234567890"u8.ToArray()),
            ("truncated JSON", Encoding.UTF8.GetBytes(json[..(json.Length / 2)])),
            ("trailing garbage", Encoding.UTF8.GetBytes(json + "}}garbage")),
            ("comments", Encoding.UTF8.GetBytes("/* c */" + json)),
            ("duplicate member", Encoding.UTF8.GetBytes(json.Length > 2 && json.StartsWith('{') ? "{\"a\":1,\"a\":2," + json[1..] : json)),
            ("BOM", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(json)]),
            ("invalid UTF-8 in a string", Splice(json, [0xC3, 0x28, 0xFF])),
            ("UTF-8 encoded surrogate", Splice(json, [0xED, 0xA0, 0x80])),
            ("escaped lone high surrogate", Splice(json, "\\ud800"u8.ToArray())),
            ("escaped lone low surrogate", Splice(json, "x\\udfffy"u8.ToArray())),
            ("escaped lone surrogate in a member name", Encoding.UTF8.GetBytes(json.StartsWith('{') && json.Length > 2 ? "{\"m\\ud800\":1," + json[1..] : json)),
            ("escaped NUL", Splice(json, "\\u0000"u8.ToArray())),
            ("raw control character", Splice(json, [0x01])),
            ("UTF-16 body", Encoding.Unicode.GetBytes(json)),
            ("NUL bytes", new byte[64]),
        ]);
        draft.Raw = bytes;
        return description;
    }

    // Puts the bytes inside the first string value of the JSON text (or makes one).
    private static byte[] Splice(string json, byte[] inside)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var colon = json.IndexOf(":\"", StringComparison.Ordinal);
        if (colon < 0)
        {
            return [.. "{\"x\":\""u8, .. inside, .. "\"}"u8];
        }

        var at = Encoding.UTF8.GetByteCount(json[..(colon + 2)]);
        return [.. bytes[..at], .. inside, .. bytes[at..]];
    }

    private static IEnumerable<(string Path, string Name, JsonNode? Node)> Locations(JsonNode? node, string path, string name = "body")
    {
        yield return (path, name, node);
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj)
            {
                foreach (var location in Locations(value, $"{path}.{key}", key))
                {
                    yield return location;
                }
            }
        }
        else if (node is JsonArray array)
        {
            for (var i = 0; i < array.Count; i++)
            {
                foreach (var location in Locations(array[i], $"{path}[{i}]", name))
                {
                    yield return location;
                }
            }
        }
    }

    private static JsonNode? Replace(JsonNode root, string path, JsonNode? value)
    {
        if (path == "$")
        {
            return value;
        }

        var (parent, key, index) = Parent(root, path);
        if (index is { } i)
        {
            parent.AsArray()[i] = value;
        }
        else
        {
            parent.AsObject()[key!] = value;
        }

        return root;
    }

    private static void Remove(JsonNode root, string path)
    {
        var (parent, key, index) = Parent(root, path);
        if (index is { } i)
        {
            parent.AsArray().RemoveAt(i);
        }
        else
        {
            parent.AsObject().Remove(key!);
        }
    }

    private static (JsonNode Parent, string? Key, int? Index) Parent(JsonNode root, string path)
    {
        var steps = Step().Matches(path).Select(m => m.Groups[1].Success
            ? (Key: (string?)m.Groups[1].Value, Index: (int?)null)
            : (null, int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))).ToList();
        var node = root;
        foreach (var (key, index) in steps[..^1])
        {
            node = index is { } i ? node.AsArray()[i]! : node.AsObject()[key!]!;
        }

        return (node, steps[^1].Key, steps[^1].Index);
    }

    private JsonObject? Resolve(JsonNode? schema)
    {
        while (schema?["$ref"]?.GetValue<string>() is { } reference)
        {
            schema = document["components"]!["schemas"]![reference[(reference.LastIndexOf('/') + 1)..]];
        }

        return schema as JsonObject;
    }

    private static string Text(JsonNode? value) => value switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => value.ToJsonString(),
    };

    [GeneratedRegex(@"\.([^.\[]+)|\[(\d+)\]")]
    private static partial Regex Step();

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    // string.GetHashCode differs between runs; this does not.
    private static int StableHash(string text) => text.Aggregate(unchecked((int)2166136261), (hash, c) => unchecked((hash ^ c) * 16777619));

    private sealed class Draft(ApiOperation operation)
    {
        public Dictionary<string, string> PathValues { get; } = [];

        public List<(string Name, string Value)> Query { get; } = [];

        public List<(string Name, string Value)> Headers { get; } = [];

        public string? ContentType { get; set; }

        public JsonNode? Json { get; set; }

        public byte[]? Raw { get; set; }

        public bool Chunked { get; set; }

        /// <summary>Whose token goes with the request: the operation's own kind unless a mutation says otherwise.</summary>
        public string Token { get; set; } = "own";

        public FuzzedRequest Build(string mutation)
        {
            var path = PathValues.Aggregate(operation.Path, (p, v) => p.Replace($"{{{v.Key}}}", v.Value, StringComparison.Ordinal));
            var query = Query.Count == 0 ? "" : "?" + string.Join('&', Query.Select(q => $"{Uri.EscapeDataString(q.Name)}={q.Value}"));
            var body = Raw ?? (operation.Body is null ? null : Encoding.UTF8.GetBytes(Json?.ToJsonString() ?? "null"));
            return new FuzzedRequest(operation, mutation, operation.Method, path + query, Token, Headers.ToList(), ContentType, body, Chunked);
        }
    }
}
