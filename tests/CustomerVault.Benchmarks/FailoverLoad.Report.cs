using System.Globalization;
using System.Text;
using Npgsql;

namespace CustomerVault.Benchmarks;

// What the drill measures: the probe for a writable leader, and the report of writes, reads and gaps.
public static partial class FailoverLoad
{
    private sealed partial class Run
    {
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
}
