#!/usr/bin/env bash
# The audit side at scale: 1,000,000 consent events over 100,000 customers, seeded in parallel through the vault's
# own event store (hash chains included). Reports full replay (events/s) beside a COPY of the same events to a
# client, as-of latency for a customer with 1,000 events (p50/p99) beside the same rows by one plain SQL query,
# and chain verification throughput (events/s). Fails if the chains do not verify.
#
#   tests/benchmarks/audit.sh                       # 100,000 customers (1,000,000 events)
#   CUSTOMERS=10000 tests/benchmarks/audit.sh       # a quicker run
set -euo pipefail
cd "$(dirname "$0")/../.."

CUSTOMERS="${CUSTOMERS:-100000}"
HEAVY_EVENTS="${HEAVY_EVENTS:-1000}"
SAMPLES="${SAMPLES:-200}"
SEED_WORKERS="${SEED_WORKERS:-4}"
API_URL="http://127.0.0.1:5097"

BENCHMARK=audit source tests/benchmarks/vault.sh
build_release
start_vault "$API_URL"
use_vault_database
cli=src/CustomerVault.Cli/bin/Release/net10.0/customervault.dll
connection="Host=$PGHOST;Port=$PGPORT;Username=$PGUSER;Password=$PGPASSWORD;Database=customervault"
seconds_since() { echo "$(date +%s.%N) - $1" | bc; }

echo "== seed $CUSTOMERS customers (10 events each) and one customer with $HEAVY_EVENTS events ($SEED_WORKERS sessions)"
began=$(date +%s.%N) seeder_cpu=$(cpu_of_ended_children) postgres_cpu=$(cpu_of_postgres)
run "${seeder[@]}" seed-audit --data-directory "$work" --customers "$CUSTOMERS" --vendors 100 --heavy-events "$HEAVY_EVENTS" \
  --workers "$SEED_WORKERS" --out "$work/heavy.txt"
seeded_in=$(seconds_since "$began")
seeder_cpu=$(echo "$(cpu_of_ended_children) - $seeder_cpu" | bc) postgres_cpu=$(echo "$(cpu_of_postgres) - $postgres_cpu" | bc)
events="$(psql -d customervault -Atc "SELECT count(*) FROM vault.mt_events")"
# CPU per event does not depend on what else the machine runs as much as the elapsed time does.
seed_cpu_us=$(echo "($seeder_cpu + $postgres_cpu) * 1000000 / $events" | bc)
printf 'seeded %s events in %.1f s, including the seeder'"'"'s start (%.0f events/s); CPU: seeder %.1f s, PostgreSQL %.1f s (%s core-us per event)\n' \
  "$events" "$seeded_in" "$(echo "$events / $seeded_in" | bc -l)" "$seeder_cpu" "$postgres_cpu" "$seed_cpu_us"
psql -d customervault -qc "VACUUM ANALYZE" >/dev/null

echo "== full replay (customervault audit replay)"
run dotnet "$cli" audit replay --connection "$connection" >"$work/replay.txt"
tail -2 "$work/replay.txt"
replay_rate="$(grep -o '([0-9]* events/s)' "$work/replay.txt" | tr -dc 0-9)"

echo "== COPY of the same events to a client (psql to /dev/null; the median of 3)"
copy_rates=()
for _ in 1 2 3; do
  began=$(date +%s.%N)
  psql -d customervault -Atc "COPY (SELECT stream_id, version, type, data FROM vault.mt_events ORDER BY stream_id, version) TO STDOUT" >/dev/null
  copy_rates+=("$(echo "$events / $(seconds_since "$began")" | bc)")
done
copy_rate="$(printf '%s\n' "${copy_rates[@]}" | sort -n | sed -n 2p)"
echo "COPY: ${copy_rates[*]} events/s"

heavy="$(cat "$work/heavy.txt")"
echo "== as-of for the customer with $HEAVY_EVENTS events, through the API"
run "${bench_client[@]}" as-of-latency --api "$seed_api" --customer "$heavy" --samples "$SAMPLES" | tee "$work/asof.txt"
echo "== the same rows by one plain SQL query"
run dotnet "$bench_dll" as-of-sql-latency --data-directory "$work" --customer "$heavy" --samples "$SAMPLES" | tee "$work/asof-sql.txt"

echo "== verify every chain (customervault audit verify)"
began=$(date +%s.%N)
run dotnet "$cli" audit verify --connection "$connection" --data-directory "$work" >"$work/verify.txt" || true
verified_in=$(seconds_since "$began")
tail -3 "$work/verify.txt"
grep -q "Chains intact" "$work/verify.txt" || { echo "the seeded chains do not verify" >&2; exit 1; }

percentile() { grep -o "$2 [0-9.]* ms" "$1" | awk '{print $2}'; }
result audit.events "$events"
result audit.seed_seconds "$(printf '%.1f' "$seeded_in")"
result audit.seed_cpu_us "$seed_cpu_us"
result audit.replay "$replay_rate"
result audit.copy "$copy_rate"
result audit.asof.p50 "$(percentile "$work/asof.txt" p50)"
result audit.asof.p99 "$(percentile "$work/asof.txt" p99)"
result audit.asof_sql.p50 "$(percentile "$work/asof-sql.txt" p50)"
result audit.asof_sql.p99 "$(percentile "$work/asof-sql.txt" p99)"
result audit.verify "$(echo "$events / $verified_in" | bc)"

echo
echo "== summary ($(nproc) cores, load average $(load_average), $events events)"
printf 'seeding:  %.1f s (%.0f events/s), %s core-us of CPU per event (seeder and PostgreSQL)\n' "$seeded_in" "$(echo "$events / $seeded_in" | bc -l)" "$seed_cpu_us"
printf 'replay:   %s events/s; COPY of the same events: %s events/s\n' "$replay_rate" "$copy_rate"
printf 'as-of:    API p50 %s ms, p99 %s ms; plain SQL p50 %s ms, p99 %s ms\n' "$(percentile "$work/asof.txt" p50)" \
  "$(percentile "$work/asof.txt" p99)" "$(percentile "$work/asof-sql.txt" p50)" "$(percentile "$work/asof-sql.txt" p99)"
printf 'verify:   %.0f events/s, including process start\n' "$(echo "$events / $verified_in" | bc -l)"
