#!/usr/bin/env bash
# Where the time goes: samples the vault's threads with dotnet-trace (EventPipe, ~100 samples a second per thread)
# while wrk drives one path at a time under 32 connections (a vendor read; an approval), and reports which parts
# of the code the busy samples fall in (token validation, JSON, Marten, Npgsql, access log, encryption, routing...)
# and the most expensive methods. Also reports the CPU the vault, PostgreSQL and wrk used over the same window.
# Take it before and after an optimisation, on the same machine, and compare the shares.
#
#   tests/benchmarks/profile.sh                    # both paths; traces and reports in a new folder under /tmp
#   PATHS=read TRACE=30 tests/benchmarks/profile.sh
#
# Installs dotnet-trace as a global .NET tool (the version below) when it is not on PATH. Needs wrk and python3.
# To open a trace by hand: dotnet-trace report FILE.nettrace topN --inclusive, or the .speedscope.json file in
# speedscope; tests/benchmarks/profile-report.py FILE.speedscope.json prints the same report as here.
set -euo pipefail
cd "$(dirname "$0")/../.."

PATHS="${PATHS:-read approve}"
CUSTOMERS="${CUSTOMERS:-10000}"
CONNECTIONS="${CONNECTIONS:-32}"
WARMUP="${WARMUP:-15}"            # seconds of load before the trace starts
TRACE="${TRACE:-20}"              # seconds traced
WRITE_ITEMS="${WRITE_ITEMS:-40000}"
DOTNET_TRACE_VERSION=10.0.750501
OUT="${OUT:-/tmp/customervault-profile-$(date +%Y%m%d-%H%M%S)}"
API_URL="http://127.0.0.1:5093"
mkdir -p "$OUT"

export PATH="$PATH:$HOME/.dotnet/tools"
if ! command -v dotnet-trace >/dev/null; then
  echo "== install dotnet-trace $DOTNET_TRACE_VERSION (global .NET tool)"
  dotnet tool install --global dotnet-trace --version "$DOTNET_TRACE_VERSION" >/dev/null
fi

BENCHMARK=profile source tests/benchmarks/vault.sh
build_release
start_vault "$API_URL" Vault__Tokens__AccessTokenLifetime=01:00:00
use_vault_database

echo "== seed $CUSTOMERS customers with grants, and $WRITE_ITEMS pending requests"
run "${seeder[@]}" seed-vendor-reads --api "$seed_api" --data-directory "$work" --vendors 100 --vendors-file "$work/vendors.txt" \
  --customers "$CUSTOMERS" --grants-per-customer 3 --out "$work/requests.txt"
run "${seeder[@]}" seed-writes --api "$seed_api" --data-directory "$work" --vendors 100 --customers 100 \
  --request-targets 1000 --items "$WRITE_ITEMS" --out-dir "$work"
psql -d customervault -qc "VACUUM ANALYZE" >/dev/null

# profile NAME LUA: load with that wrk script (its settings in the environment), a trace of the vault meanwhile.
profile() {
  local name="$1" lua="$2"
  echo "== $name: $CONNECTIONS connections, ${WARMUP} s of load, then ${TRACE} s traced"
  # Longer than needed (the trace takes a moment to start and to stop): stopped with SIGINT, wrk still reports.
  wrk -t2 -c"$CONNECTIONS" -d"$((WARMUP + TRACE + 120))s" --latency -s "$lua" "$API_URL" >"$OUT/$name.wrk.txt" &
  local load=$!
  pids+=("$load")
  sleep "$WARMUP"
  local api_before pg_before wrk_before began
  api_before=$(cpu_of "$vault_pid") pg_before=$(cpu_of_postgres) wrk_before=$(cpu_of "$load") began=$(date +%s.%N)
  run dotnet-trace collect -p "$vault_pid" --profile dotnet-sampled-thread-time --duration "00:00:00:$TRACE" \
    -o "$OUT/$name.nettrace" >"$OUT/$name.trace.log" 2>&1
  local seconds
  seconds=$(echo "$(date +%s.%N) - $began" | bc)
  {
    echo "CPU over the traced ${TRACE} s (100% = one core; the machine has $(nproc); load average $(load_average)):"
    printf '  vault %.0f%%, PostgreSQL %.0f%%, wrk %.0f%%\n' \
      "$(echo "($(cpu_of "$vault_pid") - $api_before) * 100 / $seconds" | bc -l)" \
      "$(echo "($(cpu_of_postgres) - $pg_before) * 100 / $seconds" | bc -l)" \
      "$(echo "($(cpu_of "$load") - $wrk_before) * 100 / $seconds" | bc -l)"
  } >"$OUT/$name.cpu.txt"
  kill -INT "$load" 2>/dev/null || true
  wait "$load" || true
  forget "$load"
  dotnet-trace convert --format Speedscope "$OUT/$name.nettrace" -o "$OUT/$name" >/dev/null
  {
    grep -E 'Requests/sec|Non-2xx| 50%| 99%' "$OUT/$name.wrk.txt"
    cat "$OUT/$name.cpu.txt"
    python3 tests/benchmarks/profile-report.py "$OUT/$name.speedscope.json"
  } >"$OUT/$name.txt"
  cat "$OUT/$name.txt"
}

for path in $PATHS; do
  case "$path" in
    read) VENDOR_TOKENS="$work/vendors.txt" REQUESTS="$work/requests.txt" profile read tests/benchmarks/vendor-read.lua ;;
    request | approve | narrow | revoke | grant)
      tokens=customer-tokens items="$path"
      [ "$path" = request ] && tokens=vendor-tokens
      { [ "$path" = narrow ] || [ "$path" = revoke ]; } && items=grants
      PATH_NAME="$path" THREADS=2 TOKENS="$work/$tokens.txt" ITEMS="$work/$items.txt" profile "$path" tests/benchmarks/writes.lua ;;
    *) echo "unknown path $path (read, request, approve, narrow, revoke, grant)" >&2; exit 2 ;;
  esac
done
echo "== traces and reports in $OUT"
