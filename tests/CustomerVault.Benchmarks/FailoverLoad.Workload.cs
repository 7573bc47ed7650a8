using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace CustomerVault.Benchmarks;

// The drill's workload: write cycles (request, approve, read, revoke while reads race it) and steady reads.
public static partial class FailoverLoad
{
    private sealed partial class Run(Node[] nodes, string connectionString)
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

                await ReadOnceAsync(vendorToken, customer.IdAtVendor, here, "while granted");
                await ReadOnceAsync(vendorToken, customer.IdAtVendor, there, "while granted");

                // Reads race the revocation through both nodes; those that start after it was acknowledged must be refused.
                long revokedAt = long.MaxValue;
                using var raceOver = new CancellationTokenSource();
                var race = RaceAsync(vendorToken, customer.IdAtVendor, () => Interlocked.Read(ref revokedAt), raceOver.Token);
                var revoked = await RevokeAsync(customer, grantId.Value, here);
                if (revoked)
                {
                    Interlocked.Exchange(ref revokedAt, Stopwatch.GetTimestamp());
                    await ReadOnceAsync(vendorToken, customer.IdAtVendor, here, "after revoke", Stopwatch.GetTimestamp());
                    await ReadOnceAsync(vendorToken, customer.IdAtVendor, there, "after revoke", Stopwatch.GetTimestamp());
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
                    customerId = customer.IdAtVendor, scopes = new[] { "name", "email" }, purpose = "marketing",
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

        private void Acknowledge(Write write) => Acknowledged.Add(write);
    }
}
