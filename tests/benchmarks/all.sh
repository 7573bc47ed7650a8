#!/usr/bin/env bash
# Every benchmark in one run, and one table of the results, each next to its reference measured in the same run
# (pgbench, a COPY, plain SQL, a bare ASP.NET Core endpoint) with the ratio and the goal. Figures vary from run to
# run and with whatever else the machine does; the ratios are what to compare. Load averages are printed with them.
#
#   tests/benchmarks/all.sh                  # full sizes: reads at 10,000 and 100,000 customers, 1,000,000 audit events
#   QUICK=1 tests/benchmarks/all.sh          # small sizes and short runs, to check that everything works (~6 min)
#   READ_CUSTOMERS="10000 1000000" AUDIT_CUSTOMERS=50000 DURATION=60s tests/benchmarks/all.sh
#
# Settings (environment): READ_CUSTOMERS (ascending sizes), AUDIT_CUSTOMERS (10 events each), HEAVY_EVENTS,
# CONNECTIONS, DURATION and WARMUP (per measured run), WRITE_ITEMS, WRITE_CUSTOMERS, REQUEST_TARGETS, STARTS,
# SEED_WORKERS, OUT (a folder for the logs and the table; default a new one under /tmp).
# Needs wrk and pgbench (apt-get install -y wrk postgresql-contrib). Each stage runs in its own throwaway data
# folder; everything started is stopped at the end, on failure and on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "${QUICK:-0}" = 1 ]; then
  : "${READ_CUSTOMERS:=1000 3000}" "${AUDIT_CUSTOMERS:=3000}" "${DURATION:=5s}" "${WARMUP:=3s}" "${WRITE_ITEMS:=15000}"
  : "${WRITE_CUSTOMERS:=100}" "${REQUEST_TARGETS:=1000}" "${STARTS:=1}" "${IDLE:=2}" "${SAMPLES:=50}"
fi
READ_CUSTOMERS="${READ_CUSTOMERS:-10000 100000}"
AUDIT_CUSTOMERS="${AUDIT_CUSTOMERS:-100000}"
HEAVY_EVENTS="${HEAVY_EVENTS:-1000}"
CONNECTIONS="${CONNECTIONS:-32}"
DURATION="${DURATION:-30s}"
export CONNECTIONS DURATION
[ -z "${WARMUP:-}" ] || export WARMUP
for setting in WRITE_ITEMS WRITE_CUSTOMERS REQUEST_TARGETS STARTS IDLE SAMPLES SEED_WORKERS; do
  [ -z "${!setting:-}" ] || export "$setting"
done
OUT="${OUT:-/tmp/customervault-benchmarks-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"

BENCHMARK=all source tests/benchmarks/vault.sh
build_release
export SKIP_BUILD=1 RESULTS="$OUT/results.txt"
: >"$RESULTS"

loads=()
# stage NAME SCRIPT [NAME=VALUE ...]: runs one benchmark script with its log in $OUT, and shows its summary.
stage() {
  local name="$1" script="$2" status=0
  shift 2
  local before
  before="$(load_average)"
  echo "== $name ($script, log: $OUT/$name.log), load average $before"
  run env "$@" "$script" >"$OUT/$name.log" 2>&1 || status=$?
  if [ "$status" != 0 ]; then
    tail -40 "$OUT/$name.log"
    echo "$name failed ($status); its log: $OUT/$name.log" >&2
    exit "$status"
  fi
  sed -n '/^== summary/,$p' "$OUT/$name.log"
  loads+=("$name: $before -> $(load_average)")
}

started_at="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
stage startup tests/benchmarks/startup.sh
stage reads tests/benchmarks/vendor-read.sh CUSTOMERS="$READ_CUSTOMERS"
stage writes tests/benchmarks/writes.sh INVALID_ROWS_OK=1
stage audit tests/benchmarks/audit.sh CUSTOMERS="$AUDIT_CUSTOMERS" HEAVY_EVENTS="$HEAVY_EVENTS"

get() { awk -v k="$1" '$1 == k {$1 = ""; v = substr($0, 2)} END {print v}' "$RESULTS"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.2f", a / b; else print "?"}'; }
times() { awk -v a="$1" -v b="$2" 'BEGIN {if (b > 0) printf "%.1fx", a / b; else print "?"}'; }
thousands() { echo "${1:-?}" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

table="$OUT/table.md"
{
  echo "| path | measured | reference in the same run | ratio | goal |"
  echo "|---|---|---|---|---|"
  first=yes
  for size in $READ_CUSTOMERS; do
    rate="$(get "read.$size.rate")"
    tps="$(get "read.$size.pgbench_s")"
    label="logged vendor read, $(thousands "$size") customers, $CONNECTIONS connections"
    goal=">= 0.33, p99 <= 50 ms"
    [ "$first" = yes ] || goal=">= 0.33, flat from 10k to 1M customers"
    first=no
    echo "| $label | $(thousands "$rate")/s, p50 $(get "read.$size.p50") ms, p99 $(get "read.$size.p99") ms | \`pgbench -S\` $(thousands "$tps") tps | $(ratio "$rate" "$tps") | $goal |"
  done
  tpcb="$(get write.tpcb)"
  for path in request approve narrow revoke grant; do
    rate="$(get "write.$path.rate")"
    [ -n "$rate" ] || continue
    case "$path" in
      request) label="access request (POST)" ;;
      approve) label="approval" ;;
      narrow) label="narrowing a grant" ;;
      revoke) label="revocation" ;;
      grant) label="grant on the customer's initiative" ;;
    esac
    verdict="$(ratio "$rate" "$tpcb")"
    [ -z "$(get "write.$path.invalid")" ] || verdict="invalid: $(get "write.$path.invalid")"
    echo "| $label | $(thousands "$rate")/s, p50 $(get "write.$path.p50") ms, p99 $(get "write.$path.p99") ms | \`pgbench\` TPC-B $CONNECTIONS clients $(thousands "$tpcb") tps (mean of $(thousands "$(get write.tpcb_before)") before, $(thousands "$(get write.tpcb_after)") after) | $verdict | >= 0.5 |"
  done
  replay="$(get audit.replay)"
  copy="$(get audit.copy)"
  echo "| audit replay, $(thousands "$(get audit.events)") events | $(thousands "$replay") events/s | \`COPY\` of the same events to a client $(thousands "$copy")/s | $(ratio "$replay" "$copy") | >= 100,000/s and >= 0.4 |"
  echo "| as-of, customer with $(thousands "$HEAVY_EVENTS") events | p50 $(get audit.asof.p50) ms, p99 $(get audit.asof.p99) ms | the same rows by plain SQL p50 $(get audit.asof_sql.p50) ms, p99 $(get audit.asof_sql.p99) ms | $(times "$(get audit.asof.p99)" "$(get audit.asof_sql.p99)") | p99 <= 12 ms |"
  echo "| start of the built API to ready, fresh data folder | $(get start.fresh) s | bare endpoint $(get start.bare) s | $(times "$(get start.fresh)" "$(get start.bare)") | <= 3 s |"
  echo "| restart on existing data | $(get start.restart) s | bare endpoint $(get start.bare) s | $(times "$(get start.restart)" "$(get start.bare)") | <= 2 s |"
  if [ -n "$(get start.fresh_r2r)" ]; then
    echo "| start, published ReadyToRun: fresh data folder / existing data | $(get start.fresh_r2r) s / $(get start.restart_r2r) s (vault CPU $(get start.cpu_fresh_r2r) s / $(get start.cpu_restart_r2r) s; built: $(get start.cpu_fresh) s / $(get start.cpu_restart) s) | bare endpoint $(get start.bare) s | $(times "$(get start.fresh_r2r)" "$(get start.bare)") / $(times "$(get start.restart_r2r)" "$(get start.bare)") | <= 3 s / <= 2 s |"
    echo "| API memory idle, published ReadyToRun | $(get memory.idle_r2r) MiB | bare endpoint $(get memory.bare_idle) MiB | $(times "$(get memory.idle_r2r)" "$(get memory.bare_idle)") | <= 150 MiB |"
  fi
  first_size="${READ_CUSTOMERS%% *}"
  echo "| API memory idle / under read load ($(thousands "$first_size") customers) | $(get memory.idle) / $(get "read.$first_size.rss") MiB | bare endpoint $(get memory.bare_idle) / $(get bare.rss_load) MiB | $(times "$(get memory.idle)" "$(get memory.bare_idle)") / $(times "$(get "read.$first_size.rss")" "$(get bare.rss_load)") | idle <= 150 MiB |"
  echo
  echo "Run of $started_at on $(nproc) cores ($(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)); bare endpoint $(thousands "$(get bare.rate)") requests/s."
  echo "Audit seeding: $(thousands "$(get audit.events)") events in $(get audit.seed_seconds) s (goal: 1M in under a minute), $(get audit.seed_cpu_us) core-us of CPU per event (seeder and PostgreSQL); chain verification $(thousands "$(get audit.verify)") events/s."
  echo "Non-2xx answers: reads $(for s in $READ_CUSTOMERS; do printf '%s ' "$(get "read.$s.non2xx")"; done)/ writes $(for p in request approve narrow revoke grant; do printf '%s ' "$(get "write.$p.non2xx")"; done)."
  echo "Load averages (1, 5, 15 min) before -> after each stage:"
  printf -- '- %s\n' "${loads[@]}"
} >"$table"

echo
echo "== the table (also in $table; logs in $OUT)"
cat "$table"
