using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CustomerVault.Api.Tests.Support;
using CustomerVault.Infrastructure.Http;
using Xunit.Abstractions;

namespace CustomerVault.Api.Tests.Contract;

/// <summary>The vault on Kestrel with its webhook dispatcher off: fuzzed webhook URLs must not make it call anyone.</summary>
public sealed class FuzzVaultApp : NetworkVaultApp
{
    protected override IDictionary<string, string?> Settings => new Dictionary<string, string?>
    {
        ["Vault:Webhooks:Dispatch"] = "false",
        // Caps stay on (rate limits too, raised by VaultApp), far above what the fuzzer sends: otherwise most requests would
        // be refused with 429 or 409 before their bodies were looked at.
        ["Vault:Consents:MaxPendingRequestsPerVendorAndCustomer"] = "100000",
        ["Vault:Consents:MaxPendingRequestsPerCustomer"] = "100000",
        ["Vault:Consents:MaxActiveGrantsPerCustomer"] = "100000",
        ["Vault:Consents:MaxActiveGrantsPerVendorAndCustomer"] = "100000",
    };
}

/// <summary>
/// Every operation of the committed contract, fuzzed: a valid request, then mutations of it, each sent with a valid
/// token of the caller the operation is for. Hostile input is the caller's mistake, never the vault's: no answer may
/// be a 5xx, every refusal is a problem document, and nothing protected answers 2xx to a missing or wrong token.
/// Set VAULT_FUZZ_SEED for other requests (the failures name the seed), VAULT_FUZZ_REQUESTS for more per operation.
/// </summary>
public sealed class FuzzTests(FuzzVaultApp app, ITestOutputHelper output) : IClassFixture<FuzzVaultApp>
{
    private const int DefaultSeed = 20261123;
    private const int DefaultRequestsPerOperation = 50;

    [Fact]
    public async Task No_fuzzed_request_to_any_operation_of_the_contract_gets_a_5xx()
    {
        var seed = Setting("VAULT_FUZZ_SEED", DefaultSeed);
        var perOperation = Setting("VAULT_FUZZ_REQUESTS", DefaultRequestsPerOperation);
        var document = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "api-specs", "customervault.v1.json")))!.AsObject();

        var customer = await app.SignUpAsync();
        var vendor = await app.RegisterVendorAsync("Fuzzed Vendor");
        var otherVendor = await app.RegisterVendorAsync("Other Vendor");
        var grantId = await app.GrantAsync(vendor, customer);
        using var vendorApi = app.Api(vendor);
        var customerAtVendor = await app.ConnectAsync(vendor, customer);
        var requestId = await (await vendorApi.RequestAccessAsync(customerAtVendor, "email")).IdAsync();
        var tokens = new Dictionary<string, string>
        {
            ["customer"] = customer.AccessToken,
            ["vendor"] = vendor.AccessToken,
            ["auditor"] = (await app.ClientCredentialsAsync("demo-auditor", "demo-auditor-secret")).AccessToken!,
            ["operator"] = (await app.ClientCredentialsAsync("demo-operator", "demo-operator-secret")).AccessToken!,
        };
        var ids = new Dictionary<string, Guid>
        {
            ["customerId"] = customer.Id, ["vendorId"] = otherVendor.Id, ["grantId"] = grantId, ["requestId"] = requestId,
        };

        // The vendor names her by its own id for her; everyone else by her vault id.
        var vendorIds = new Dictionary<string, IReadOnlyDictionary<string, Guid>> { ["vault.access"] = new Dictionary<string, Guid> { ["customerId"] = customerAtVendor } };
        var fuzzer = new ApiFuzzer(document, ids, app.Clock.GetUtcNow(), seed, vendorIds);
        var operations = fuzzer.Operations();
        Assert.True(operations.Count >= 40, $"The contract lists {operations.Count} operations; the fuzzer did not read it.");

        var logged = app.Logs.Count;
        using var client = app.CreateApiClient();
        client.Timeout = TimeSpan.FromSeconds(30);
        var statuses = new SortedDictionary<int, int>();
        var failures = new List<string>();
        var started = System.Diagnostics.Stopwatch.StartNew();
        foreach (var operation in operations)
        {
            var kind = KindOf(operation);
            foreach (var request in fuzzer.Requests(operation, perOperation))
            {
                var answer = await SendAsync(client, request, Authorization(request.Token, kind, tokens));
                statuses[answer.Status] = statuses.GetValueOrDefault(answer.Status) + 1;
                if (Check(request, kind, answer) is { } problem)
                {
                    failures.Add($"{problem}: {answer.Status}\n{request}\n  answer: {answer.Body[..Math.Min(answer.Body.Length, 600)]}");
                }
            }
        }

        var total = statuses.Values.Sum();
        var fivexx = statuses.Where(s => s.Key >= 500).Sum(s => s.Value);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Fuzzed {total} requests over {operations.Count} operations (seed {seed}) in {started.Elapsed.TotalSeconds:F1} s: {fivexx} answered 5xx. "
            + $"Statuses: {string.Join(", ", statuses.Select(s => $"{s.Key}×{s.Value}"))}"));
        foreach (var failure in failures)
        {
            output.WriteLine(string.Join(" | ", failure.Split('\n').Take(2)));
        }

        Assert.True(failures.Count == 0,
            $"{failures.Count} of {total} fuzzed requests (seed {seed}) were answered wrongly:\n\n{string.Join("\n\n", failures.OrderBy(f => !f.StartsWith("5xx", StringComparison.Ordinal)).Take(25))}");

        // Refusals are the callers' mistakes, logged at information: an error in the log is the vault's own failure.
        var errors = app.Logs.Skip(logged).Where(l => l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal)).ToList();
        Assert.True(errors.Count == 0, $"The fuzzed requests logged {errors.Count} errors, the first:\n{errors.FirstOrDefault()}");
    }

    private sealed record Answer(int Status, string? MediaType, string Body);

    private async Task<Answer> SendAsync(HttpClient client, FuzzedRequest request, string? authorization)
    {
        // The server answers a body over its limit before reading it all, which HttpClient cannot always see (RawHttp).
        if (request.Body is { Length: > WebSetup.MaxRequestBodyBytes })
        {
            var headers = request.Headers.Concat(authorization is null ? [] : [("Authorization", authorization)])
                .Concat(request.ContentType is null ? [] : [("Content-Type", request.ContentType)]);
            var raw = await RawHttp.SendAsync(new Uri(app.BaseUrl), request.Method, request.Url, headers, request.Body, request.Chunked);
            return new Answer((int)raw.Status, raw.MediaType, raw.Body);
        }

        using var message = request.ToMessage(authorization);
        try
        {
            using var response = await client.SendAsync(message);
            var body = await response.Content.ReadAsStringAsync();
            return new Answer((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, body);
        }
        catch (HttpRequestException e)
        {
            // Reported as a 5xx with the request that caused it: a vault that drops a connection failed it.
            return new Answer(599, null, $"no answer: {e.Message} {e.InnerException?.Message}");
        }
    }

    /// <summary>What is wrong with the answer, or null.</summary>
    private static string? Check(FuzzedRequest request, string kind, Answer answer)
    {
        if (answer.Status >= 500)
        {
            return "5xx";
        }

        // Kestrel refuses some requests itself (a NUL in the path, a request line or headers beyond its limits), with an
        // empty answer, before the application could write a problem document.
        var refusedByServer = answer.Status is 400 or 414 or 431 && answer.Body.Length == 0;
        if (answer.Status >= 400 && !refusedByServer && answer.MediaType != "application/problem+json")
        {
            return $"a refusal that is not a problem document ({answer.MediaType ?? "no content type"})";
        }

        if (answer.Status is >= 200 and < 300 && kind != "anonymous" && request.Token != "own")
        {
            return "a protected operation answered a request without the right token";
        }

        return null;
    }

    private static string? Authorization(string token, string kind, Dictionary<string, string> tokens) => token switch
    {
        "own" when kind == "anonymous" => null,
        "own" => $"Bearer {tokens[kind]}",
        "other-kind" => $"Bearer {tokens.First(t => t.Key != kind).Value}",
        "garbage" => "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
        "basic" => "Basic ZnV6ejpmdXp6",
        "empty-bearer" => "Bearer ",
        _ => null,
    };

    // The caller an operation is for, by the scope it requires; an operation with a scope the fuzzer does not know
    // is fuzzed as an operator's, and its 401/403 answers still count.
    private static string KindOf(ApiOperation operation) => operation.Scopes switch
    {
        [] => "anonymous",
        _ when operation.Scopes.Any(s => s is "vault.profile" or "vault.consents") => "customer",
        _ when operation.Scopes.Contains("vault.access") => "vendor",
        _ when operation.Scopes.Contains("vault.audit") => "auditor",
        _ => "operator",
    };

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}
