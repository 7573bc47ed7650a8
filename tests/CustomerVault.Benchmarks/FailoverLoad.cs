using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Duende.IdentityModel;
using Duende.IdentityModel.Client;
using Npgsql;

namespace CustomerVault.Benchmarks;

/// <summary>
/// The client side of tests/ha/failover.sh: customers and a vendor use two vault nodes (consent writes: access
/// requests, approvals, revocations; vendor reads) while the script kills the database leader. Every write the vault
/// acknowledged is then looked up in the database, and every read that started after its grant's revocation was
/// acknowledged must have been refused. A write that failed is retried like a careful client would: the access
/// request with the same Idempotency-Key, an approval or revocation by reading the state when the retry conflicts.
/// </summary>
public static partial class FailoverLoad
{
    private const string Vendor = "demo-vendor";
    private const string VendorSecret = "demo-vendor-secret";
    private const string CustomerApp = "vault-customer-app";
    private const string CustomerAppRedirect = "http://127.0.0.1:5081/callback";
    private const string Password = "failover drill passphrase";
    private static readonly TimeSpan RetryBudget = TimeSpan.FromSeconds(60);

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Enumerable.Range(0, args.Length / 2).ToDictionary(i => args[2 * i], i => args[(2 * i) + 1]);
        var nodes = options["--api"].Split(',').Select((url, i) => new Node($"node{i + 1}", url)).ToArray();
        var duration = TimeSpan.FromSeconds(int.Parse(options["--duration"], CultureInfo.InvariantCulture));
        var writers = int.Parse(options.GetValueOrDefault("--writers", "8"), CultureInfo.InvariantCulture);
        var readers = int.Parse(options.GetValueOrDefault("--readers", "8"), CultureInfo.InvariantCulture);
        var run = new Run(nodes, options["--connection"]);

        Console.Error.WriteLine($"Signing up {writers + readers} customers and granting the readers' vendor access");
        var vendorToken = await VendorTokenAsync(nodes[0]);
        var customers = await Task.WhenAll(Enumerable.Range(0, writers + readers).Select(i => SignUpAsync(nodes[i % nodes.Length], i)));
        var readPairs = new List<Guid>();
        foreach (var reader in customers.Skip(writers))
        {
            var requestId = await run.RequestAccessAsync(vendorToken, reader, nodes[0]) ?? throw new InvalidOperationException("Set-up request failed.");
            _ = await run.ApproveAsync(reader, requestId, nodes[0]) ?? throw new InvalidOperationException("Set-up approval failed.");
            readPairs.Add(reader.Id);
        }

        run.Acknowledged.Clear();
        Console.Error.WriteLine($"Load: {writers} writers, {readers} readers, {duration.TotalSeconds:F0} s, through {string.Join(" and ", nodes.Select(n => n.Url))}");
        if (options.TryGetValue("--started", out var startedFile))
        {
            await File.WriteAllTextAsync(startedFile, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        }

        using var stop = new CancellationTokenSource(duration);
        var probe = run.ProbeWritesAsync(options["--probe"], stop.Token);
        var load = customers.Take(writers).Select((customer, i) => run.WriteCyclesAsync(vendorToken, customer, i, stop.Token))
            .Concat(readPairs.Select((customerId, i) => run.ReadAsync(vendorToken, customerId, i, stop.Token)));
        await Task.WhenAll(load);
        await probe;

        long? killedAt = options.TryGetValue("--killed", out var killedFile) && File.Exists(killedFile)
            ? long.Parse((await File.ReadAllTextAsync(killedFile)).Trim(), CultureInfo.InvariantCulture)
            : null;
        var report = await run.ReportAsync(killedAt);
        Console.WriteLine(report.Text);
        if (options.TryGetValue("--report", out var reportFile))
        {
            await File.WriteAllTextAsync(reportFile, JsonSerializer.Serialize(report.Figures));
        }

        return report.Passed ? 0 : 1;
    }

    private sealed record Node(string Name, string Url)
    {
        public HttpClient Http { get; } = new(new SocketsHttpHandler { AllowAutoRedirect = false, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri(Url),
            Timeout = TimeSpan.FromSeconds(15),
        };
    }

    private sealed record Customer(Guid Id, string Token);

    /// <summary>A write the vault answered 2xx, or that a retry proved saved.</summary>
    private sealed record Write(string Kind, Guid Stream, string EventType, bool ConfirmedByRetry);

    private sealed class Run(Node[] nodes, string connectionString)
    {
        public ConcurrentBag<Write> Acknowledged { get; } = [];
        private readonly ConcurrentDictionary<string, int> _errors = new();
        private readonly ConcurrentDictionary<string, int> _reads = new();
        private readonly ConcurrentBag<string> _servedAfterRevoke = [];
        private readonly ConcurrentBag<long> _probeSuccesses = [];
        private readonly ConcurrentBag<long> _writeSuccesses = [];
        private int _gaveUp;

        public async Task WriteCyclesAsync(string vendorToken, Customer customer, int worker, CancellationToken stop)
        {
            var cycle = 0;
            while (!stop.IsCancellationRequested)
            {
                // Alternate the nodes, so a revocation through one is checked by reads through both.
                var here = nodes[(worker + cycle) % nodes.Length];
                var there = nodes[(worker + cycle + 1) % nodes.Length];
                cycle++;
                // A write that could not be settled within the retry budget ends this customer's cycles: a grant that
                // may or may not exist would make her later reads no evidence either way.
                var requestId = await RequestAccessAsync(vendorToken, customer, here);
                var grantId = requestId is null ? null : await ApproveAsync(customer, requestId.Value, there);
                if (grantId is null)
                {
                    return;
                }

                await ReadOnceAsync(vendorToken, customer.Id, here, "while granted");
                await ReadOnceAsync(vendorToken, customer.Id, there, "while granted");

                // Reads race the revocation through both nodes; those that start after it was acknowledged must be refused.
                long revokedAt = long.MaxValue;
                using var raceOver = new CancellationTokenSource();
                var race = RaceAsync(vendorToken, customer.Id, () => Interlocked.Read(ref revokedAt), raceOver.Token);
                var revoked = await RevokeAsync(customer, grantId.Value, here);
                if (revoked)
                {
                    Interlocked.Exchange(ref revokedAt, Stopwatch.GetTimestamp());
                    await ReadOnceAsync(vendorToken, customer.Id, here, "after revoke", Stopwatch.GetTimestamp());
                    await ReadOnceAsync(vendorToken, customer.Id, there, "after revoke", Stopwatch.GetTimestamp());
                }

                await raceOver.CancelAsync();
                await race;
                if (!revoked)
                {
                    return;
                }
            }
        }

        public async Task ReadAsync(string vendorToken, Guid customerId, int worker, CancellationToken stop)
        {
            for (var i = worker; !stop.IsCancellationRequested; i++)
            {
                await ReadOnceAsync(vendorToken, customerId, nodes[i % nodes.Length], "steady");
            }
        }

        public async Task<Guid?> RequestAccessAsync(string vendorToken, Customer customer, Node first)
        {
            var key = Guid.NewGuid().ToString();
            var (response, _) = await SendAsync(first, () => new HttpRequestMessage(HttpMethod.Post, "/v1/access-requests")
            {
                Headers = { { "Authorization", $"Bearer {vendorToken}" }, { "Idempotency-Key", key } },
                Content = JsonContent.Create(new
                {
                    customerId = customer.Id, scopes = new[] { "name", "email" }, purpose = "marketing",
                    description = "Failover drill", duration = "P1D",
                }),
            });
            if (response?.StatusCode is not (HttpStatusCode.Created or HttpStatusCode.OK))
            {
                return null;
            }

            var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            Acknowledge(new Write("access request", id, "access_requested", false));
            return id;
        }

        public async Task<Guid?> ApproveAsync(Customer customer, Guid requestId, Node first)
        {
            var (response, retried) = await SendAsync(first, () => new HttpRequestMessage(HttpMethod.Post, $"/v1/me/access-requests/{requestId}/approve")
            {
                Headers = { { "Authorization", $"Bearer {customer.Token}" } },
                Content = JsonContent.Create(new { }),
            });
            var confirmed = false;
            if (response?.StatusCode == HttpStatusCode.Conflict && retried)
            {
                // An earlier attempt may have been saved although its answer was lost: the request says.
                (response, _) = await SendAsync(first, () => new HttpRequestMessage(HttpMethod.Get, $"/v1/me/access-requests/{requestId}")
                {
                    Headers = { { "Authorization", $"Bearer {customer.Token}" } },
                });
                confirmed = true;
            }

            if (response?.StatusCode != HttpStatusCode.OK
                || (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("grantId") is not { ValueKind: JsonValueKind.String } grant)
            {
                return null;
            }

            Acknowledge(new Write("approval", requestId, "access_request_approved", confirmed));
            return grant.GetGuid();
        }

        private async Task<bool> RevokeAsync(Customer customer, Guid grantId, Node first)
        {
            var (response, retried) = await SendAsync(first, () => new HttpRequestMessage(HttpMethod.Post, $"/v1/me/grants/{grantId}/revoke")
            {
                Headers = { { "Authorization", $"Bearer {customer.Token}" } },
                Content = JsonContent.Create(new { reason = "Failover drill" }),
            });
            var confirmed = false;
            if (response?.StatusCode == HttpStatusCode.Conflict && retried)
            {
                (response, _) = await SendAsync(first, () => new HttpRequestMessage(HttpMethod.Get, $"/v1/me/grants/{grantId}")
                {
                    Headers = { { "Authorization", $"Bearer {customer.Token}" } },
                });
                confirmed = response?.StatusCode == HttpStatusCode.OK
                            && (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString() == "revoked";
                if (!confirmed)
                {
                    return false;
                }
            }
            else if (response?.StatusCode != HttpStatusCode.OK)
            {
                return false;
            }

            Acknowledge(new Write("revocation", grantId, "grant_revoked", confirmed));
            return true;
        }

        private async Task RaceAsync(string vendorToken, Guid customerId, Func<long> revokedAt, CancellationToken over)
        {
            for (var i = 0; !over.IsCancellationRequested; i++)
            {
                await ReadOnceAsync(vendorToken, customerId, nodes[i % nodes.Length], "racing revoke", Stopwatch.GetTimestamp(), revokedAt);
            }
        }

        private async Task ReadOnceAsync(string vendorToken, Guid customerId, Node node, string phase, long startedAt = 0, Func<long>? revokedAt = null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/customers/{customerId}/profile?purpose=marketing")
            {
                Headers = { { "Authorization", $"Bearer {vendorToken}" } },
            };
            var (status, response) = await TryAsync(node, request);
            var afterRevoke = phase == "after revoke" || (revokedAt is not null && startedAt > revokedAt());
            var outcome = status switch
            {
                HttpStatusCode.OK => "served",
                // 409: a grant changed while the read was being logged (the revocation won the race).
                HttpStatusCode.Forbidden or HttpStatusCode.Conflict => phase == "steady" ? "refused" : "refused around a revoke",
                _ => "failed",
            };
            _reads.AddOrUpdate(outcome, 1, (_, n) => n + 1);
            if (status == HttpStatusCode.OK && afterRevoke)
            {
                _servedAfterRevoke.Add($"{node.Name} customer {customerId} ({phase})");
            }

            if (outcome == "failed")
            {
                // As a well-behaved client does: wait as long as the vault asks (or a second when it did not answer).
                await Task.Delay(response?.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
            }
        }

        /// <summary>Sends until the vault answers anything but a server error, alternating nodes, for up to a minute.</summary>
        private async Task<(HttpResponseMessage? Response, bool Retried)> SendAsync(Node first, Func<HttpRequestMessage> make)
        {
            var deadline = Stopwatch.GetTimestamp() + (long)(RetryBudget.TotalSeconds * Stopwatch.Frequency);
            var node = first;
            for (var attempt = 0; ; attempt++)
            {
                using var request = make();
                var (status, response) = await TryAsync(node, request);
                if (response is not null && (int)status < 500)
                {
                    if (response.IsSuccessStatusCode && request.Method != HttpMethod.Get)
                    {
                        _writeSuccesses.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                    }

                    return (response, attempt > 0);
                }

                if (Stopwatch.GetTimestamp() > deadline)
                {
                    Interlocked.Increment(ref _gaveUp);
                    return (null, true);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 250 * (1 << Math.Min(attempt, 3)))));
                node = nodes[(Array.IndexOf(nodes, node) + 1) % nodes.Length];
            }
        }

        private async Task<(HttpStatusCode Status, HttpResponseMessage? Response)> TryAsync(Node node, HttpRequestMessage request)
        {
            try
            {
                var response = await node.Http.SendAsync(request);
                if ((int)response.StatusCode >= 500)
                {
                    _errors.AddOrUpdate($"HTTP {(int)response.StatusCode}", 1, (_, n) => n + 1);
                }

                await response.Content.LoadIntoBufferAsync();
                return (response.StatusCode, response);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                _errors.AddOrUpdate(e is TaskCanceledException ? "timeout" : "connection", 1, (_, n) => n + 1);
                return (0, null);
            }
        }

        private void Acknowledge(Write write) => Acknowledged.Add(write);

        /// <summary>
        /// Every 100 ms, a committed write on whichever member takes it, each on a fresh connection: while none does,
        /// the cluster has no writable leader. Members are tried one by one rather than through Npgsql's multi-host
        /// support, whose remembered roles would add their own delay to the figure.
        /// </summary>
        public async Task ProbeWritesAsync(string probeConnection, CancellationToken stop)
        {
            var members = new NpgsqlConnectionStringBuilder(probeConnection).Host!.Split(',').Select(member =>
            {
                var (host, port) = (member.Split(':')[0], int.Parse(member.Split(':')[1], CultureInfo.InvariantCulture));
                // No command timeout short enough to cancel a commit waiting for its standby: PostgreSQL would report it done.
                return new NpgsqlConnectionStringBuilder(probeConnection)
                {
                    Host = host, Port = port, TargetSessionAttributes = null, Pooling = false, Timeout = 2, CommandTimeout = 120,
                }.ConnectionString;
            }).ToArray();

            var leader = 0;
            while (!stop.IsCancellationRequested)
            {
                // The last member that took a write first: the others are standbys until a failover.
                foreach (var candidate in Enumerable.Range(leader, members.Length).Select(i => i % members.Length))
                {
                    try
                    {
                        await using var connection = new NpgsqlConnection(members[candidate]);
                        await connection.OpenAsync(CancellationToken.None);
                        await using var insert = new NpgsqlCommand(
                            "CREATE TABLE IF NOT EXISTS failover_probe (at timestamptz NOT NULL); INSERT INTO failover_probe VALUES (clock_timestamp())", connection);
                        await insert.ExecuteNonQueryAsync(CancellationToken.None);
                        _probeSuccesses.Add(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
                        leader = candidate;
                        break;
                    }
                    catch (NpgsqlException)
                    {
                    }
                }

                try
                {
                    await Task.Delay(100, stop);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        public async Task<Report> ReportAsync(long? killedAt)
        {
            var writes = Acknowledged.ToList();
            var found = await FoundAsync(writes);
            var lost = writes.Where(w => !found.Contains((w.Stream, w.EventType))).ToList();
            var errors = _errors.OrderBy(e => e.Key, StringComparer.Ordinal).ToList();
            var withoutLeader = LongestGap(_probeSuccesses, killedAt);
            var withoutWrites = LongestGap(_writeSuccesses, killedAt);
            var figures = new Dictionary<string, object?>
            {
                ["acknowledgedWrites"] = writes.Count,
                ["accessRequests"] = writes.Count(w => w.Kind == "access request"),
                ["approvals"] = writes.Count(w => w.Kind == "approval"),
                ["revocations"] = writes.Count(w => w.Kind == "revocation"),
                ["confirmedByRetry"] = writes.Count(w => w.ConfirmedByRetry),
                ["writesFound"] = writes.Count - lost.Count,
                ["writesLost"] = lost.Count,
                ["gaveUp"] = _gaveUp,
                ["readsServed"] = _reads.GetValueOrDefault("served"),
                ["readsRefused"] = _reads.GetValueOrDefault("refused"),
                ["readsRefusedAroundRevoke"] = _reads.GetValueOrDefault("refused around a revoke"),
                ["readsFailed"] = _reads.GetValueOrDefault("failed"),
                ["readsServedAfterRevoke"] = _servedAfterRevoke.Count,
                ["secondsWithoutWritableLeader"] = withoutLeader,
                ["secondsWithoutAcknowledgedWrite"] = withoutWrites,
                ["clientErrors"] = errors.Sum(e => e.Value),
                ["clientErrorsByKind"] = errors.ToDictionary(e => e.Key, e => e.Value),
            };
            var text = new StringBuilder()
                .AppendLine(CultureInfo.InvariantCulture, $"acknowledged writes:                    {writes.Count} (access requests {figures["accessRequests"]}, approvals {figures["approvals"]}, revocations {figures["revocations"]}; {figures["confirmedByRetry"]} confirmed by reading after a retry)")
                .AppendLine(CultureInfo.InvariantCulture, $"writes found after failover:            {writes.Count - lost.Count}")
                .AppendLine(CultureInfo.InvariantCulture, $"acknowledged writes lost:               {lost.Count}{string.Concat(lost.Take(5).Select(l => $"\n    {l.Kind} {l.Stream}"))}")
                .AppendLine(CultureInfo.InvariantCulture, $"writes given up after a minute:         {_gaveUp}")
                .AppendLine(CultureInfo.InvariantCulture, $"vendor reads:                           served {figures["readsServed"]}, refused around a revocation {figures["readsRefusedAroundRevoke"]}, refused otherwise {figures["readsRefused"]}, failed {figures["readsFailed"]}")
                .AppendLine(CultureInfo.InvariantCulture, $"reads served after an acknowledged revoke: {_servedAfterRevoke.Count}{string.Concat(_servedAfterRevoke.Take(5).Select(s => $"\n    {s}"))}")
                .AppendLine(CultureInfo.InvariantCulture, $"time without a writable leader:         {Seconds(withoutLeader)} (longest gap between probe writes, every 100 ms)")
                .AppendLine(CultureInfo.InvariantCulture, $"time without an acknowledged vault write: {Seconds(withoutWrites)}")
                .Append(CultureInfo.InvariantCulture, $"errors seen by clients:                 {errors.Sum(e => e.Value)}{(errors.Count == 0 ? "" : " (" + string.Join(", ", errors.Select(e => $"{e.Key}: {e.Value}")) + ")")}")
                .ToString();
            var passed = lost.Count == 0 && _servedAfterRevoke.IsEmpty && writes.Count > 0 && !errors.Any(e => e.Key == "HTTP 500")
                         && _reads.GetValueOrDefault("refused") == 0;
            return new Report(text, figures, passed);
        }

        private async Task<HashSet<(Guid, string)>> FoundAsync(List<Write> writes)
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            await using var command = dataSource.CreateCommand("SELECT stream_id, type FROM vault.mt_events WHERE stream_id = ANY($1)");
            command.Parameters.Add(new NpgsqlParameter { Value = writes.Select(w => w.Stream).Distinct().ToArray() });
            await using var reader = await command.ExecuteReaderAsync();
            var found = new HashSet<(Guid, string)>();
            while (await reader.ReadAsync())
            {
                found.Add((reader.GetGuid(0), reader.GetString(1)));
            }

            return found;
        }

        /// <summary>The longest time between two successes around the kill (or anywhere, without one), in seconds.</summary>
        private static double? LongestGap(IEnumerable<long> successes, long? killedAt)
        {
            var times = successes.Order().ToList();
            var gaps = times.Zip(times.Skip(1), (a, b) => (From: a, Seconds: (b - a) / 1000.0))
                .Where(g => killedAt is null || g.From + (g.Seconds * 1000) >= killedAt.Value);
            return gaps.Select(g => (double?)g.Seconds).Max();
        }

        private static string Seconds(double? seconds) => seconds is null ? "n/a" : $"{seconds:F1} s";
    }

    private sealed record Report(string Text, Dictionary<string, object?> Figures, bool Passed);

    private static async Task<string> VendorTokenAsync(Node node)
    {
        var response = await node.Http.RequestClientCredentialsTokenAsync(new ClientCredentialsTokenRequest
        {
            Address = "/connect/token", ClientId = Vendor, ClientSecret = VendorSecret, Scope = "vault.access",
        });
        return response.IsError ? throw new InvalidOperationException($"{Vendor}: {response.Error} {response.ErrorDescription}") : response.AccessToken!;
    }

    /// <summary>Signs a customer up through the vault's pages and gets her a token with code + PKCE, as an app would.</summary>
    private static async Task<Customer> SignUpAsync(Node node, int number)
    {
        using var browser = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
        {
            BaseAddress = new Uri(node.Url),
        };
        var page = await browser.GetStringAsync("/account/sign-up");
        var antiforgery = WebUtility.HtmlDecode(AntiforgeryField().Match(page).Groups[1].Value);
        var signedUp = await browser.PostAsync("/account/sign-up", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["Email"] = $"drill-{number}-{Guid.NewGuid():N}@example.org", ["Password"] = Password, ["ConfirmPassword"] = Password,
            ["__RequestVerificationToken"] = antiforgery,
        }));
        if (signedUp.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException($"Sign-up failed: {(int)signedUp.StatusCode}");
        }

        var verifier = CryptoRandom.CreateUniqueId(32);
        var challenge = System.Buffers.Text.Base64Url.EncodeToString(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        var authorize = new RequestUrl("/connect/authorize").CreateAuthorizeUrl(CustomerApp, OidcConstants.ResponseTypes.Code,
            "openid vault.profile vault.consents", CustomerAppRedirect, state: "drill", codeChallenge: challenge,
            codeChallengeMethod: OidcConstants.CodeChallengeMethods.Sha256);
        var authorized = await browser.GetAsync(authorize);
        var code = System.Web.HttpUtility.ParseQueryString(authorized.Headers.Location?.Query ?? "")["code"]
                   ?? throw new InvalidOperationException($"No authorization code: {(int)authorized.StatusCode} {authorized.Headers.Location}");
        var tokens = await browser.RequestAuthorizationCodeTokenAsync(new AuthorizationCodeTokenRequest
        {
            Address = "/connect/token", ClientId = CustomerApp, Code = code, RedirectUri = CustomerAppRedirect, CodeVerifier = verifier,
        });
        if (tokens.IsError)
        {
            throw new InvalidOperationException($"Code exchange failed: {tokens.Error}");
        }

        var id = Guid.Parse(JsonDocument.Parse(System.Buffers.Text.Base64Url.DecodeFromChars(tokens.AccessToken!.Split('.')[1])).RootElement.GetProperty("sub").GetString()!);
        browser.SetBearerToken(tokens.AccessToken);
        var patched = await browser.PatchAsync("/v1/me/profile", new StringContent(
            $$"""{ "identity": { "name": { "given": "Drill", "family": "Number{{number}}" } }, "contact": { "email": "drill{{number}}@example.org" } }""",
            Encoding.UTF8, "application/merge-patch+json"));
        patched.EnsureSuccessStatusCode();
        return new Customer(id, tokens.AccessToken);
    }

    [GeneratedRegex("""name="__RequestVerificationToken" type="hidden" value="([^"]+)"|value="([^"]+)" name="__RequestVerificationToken""")]
    private static partial Regex AntiforgeryField();
}
