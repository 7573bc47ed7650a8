#!/usr/bin/env bash
# The audit side at scale: 1,000,000 consent events over 100,000 customers. Reports full replay (events/s),
# as-of latency for a customer with 1,000 events (p50/p99), and chain verification throughput (events/s).
#
#   tests/benchmarks/audit.sh                       # 100,000 customers (1,000,000 events)
#   CUSTOMERS=10000 tests/benchmarks/audit.sh       # a quicker run
set -euo pipefail
cd "$(dirname "$0")/../.."

CUSTOMERS="${CUSTOMERS:-100000}"
HEAVY_EVENTS="${HEAVY_EVENTS:-1000}"
API_URL="http://127.0.0.1:5097"

BENCHMARK=audit source tests/benchmarks/vault.sh

echo "== build (Release)"
dotnet build -c Release -v quiet -nologo tests/CustomerVault.Benchmarks >/dev/null
dotnet build -c Release -v quiet -nologo src/CustomerVault.Cli >/dev/null

start_vault "$API_URL"

bench=tests/CustomerVault.Benchmarks/bin/Release/net10.0/CustomerVault.Benchmarks.dll
cli=src/CustomerVault.Cli/bin/Release/net10.0/customervault.dll

echo "== seed $CUSTOMERS customers (10 events each) and one customer with $HEAVY_EVENTS events"
dotnet "$bench" seed-audit --data-directory "$work" --customers "$CUSTOMERS" --vendors 100 --heavy-events "$HEAVY_EVENTS" --out "$work/heavy.txt"

port="$(sed -n 4p "$work/postgres/data/postmaster.pid")"
connection="Host=127.0.0.1;Port=$port;Username=vault;Password=$(cat "$work/postgres/password");Database=customervault"
events="$(PGPASSWORD="$(cat "$work/postgres/password")" psql -h 127.0.0.1 -p "$port" -U vault -d customervault -Atc "SELECT count(*) FROM vault.mt_events")"
echo "events in the store: $events"

echo "== full replay (customervault audit replay)"
dotnet "$cli" audit replay --connection "$connection" | tee "$work/replay.txt" | tail -2

echo "== as-of for the customer with $HEAVY_EVENTS events"
dotnet "$bench" as-of-latency --api "$API_URL" --customer "$(cat "$work/heavy.txt")" --samples 200 | tee "$work/asof.txt"

echo "== verify every chain (customervault audit verify)"
start=$(date +%s.%N)
dotnet "$cli" audit verify --connection "$connection" --data-directory "$work" | tee "$work/verify.txt" | tail -3
elapsed=$(echo "$(date +%s.%N) - $start" | bc)

echo
echo "== summary ($(nproc) cores, $events events)"
grep -o 'Replayed.*' "$work/replay.txt"
cat "$work/asof.txt"
printf 'verify: %s events in %.1f s (%.0f events/s, including process start)\n' "$events" "$elapsed" "$(echo "$events / $elapsed" | bc -l)"
