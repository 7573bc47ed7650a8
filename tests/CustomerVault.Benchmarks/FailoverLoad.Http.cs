using System.Diagnostics;
using System.Net;

namespace CustomerVault.Benchmarks;

// How the drill's clients talk to the vault: retrying through a failover, and counting what went wrong.
public static partial class FailoverLoad
{
    private sealed partial class Run
    {
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
    }
}
