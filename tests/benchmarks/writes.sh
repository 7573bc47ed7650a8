#!/usr/bin/env bash
# The consent write paths under load, each on its own, next to pgbench's TPC-B (the database doing small write
# transactions of its own) in the same run: vendors sending access requests, customers approving requests,
# narrowing grants, revoking grants and granting on their own initiative. Every request is a new write: each path
# has its own work items (pending requests, active grants, customers), prepared before the clock starts. TPC-B runs
# before the first path and after the last; the reference is the mean of the two.
#
#   tests/benchmarks/writes.sh                       # 32 connections, 30 s per path, 60,000 work items per path
#   PATHS="approve revoke" DURATION=60s tests/benchmarks/writes.sh
#
# Needs wrk and pgbench (apt-get install -y wrk postgresql-contrib). Everything runs on 127.0.0.1 in a
# throwaway data folder; nothing is left running afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."

PATHS="${PATHS:-request approve narrow revoke grant}"
CONNECTIONS="${CONNECTIONS:-32}"
DURATION="${DURATION:-30s}"
WARMUP="${WARMUP:-10s}"
VENDORS="${VENDORS:-100}"
# Signed up through the pages: they approve, narrow, revoke and grant. Every work item of approve, narrow, revoke and
# grant is one of their grants: too few customers would each hold so many that counting them under her lock becomes
# what the approval and grant rows measure (a real customer holds at most 200 active grants).
WRITE_CUSTOMERS="${WRITE_CUSTOMERS:-400}"
REQUEST_TARGETS="${REQUEST_TARGETS:-10000}"   # customers the vendors send requests to
WRITE_ITEMS="${WRITE_ITEMS:-60000}"           # work items per path; a fifth of them is for the warm-up
TPCB_SCALE="${TPCB_SCALE:-$CONNECTIONS}"      # pgbench's advice: a scale of at least the number of clients
SEED_WORKERS="${SEED_WORKERS:-4}"
API_URL="http://127.0.0.1:5096"

for tool in wrk pgbench; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install -y wrk postgresql-contrib)" >&2; exit 1; }
done

BENCHMARK=writes source tests/benchmarks/vault.sh
build_release
# The consent caps are lifted like the rate limits: a few signed-up customers receive every request and hold every
# grant here, hundreds each, where a real customer holds at most 200 active grants. Each approval and customer grant
# still counts the customer's active grants under her lock (here several hundred rows, more than production allows),
# so the rows understate rather than flatter those paths.
caps=$((WRITE_ITEMS * 4))
start_vault "$API_URL" Vault__Tokens__AccessTokenLifetime=01:00:00 \
  Vault__Consents__MaxPendingRequestsPerVendorAndCustomer=$caps Vault__Consents__MaxPendingRequestsPerCustomer=$caps \
  Vault__Consents__MaxActiveGrantsPerCustomer=$caps Vault__Consents__MaxActiveGrantsPerVendorAndCustomer=$caps
use_vault_database

echo "== seed: $VENDORS vendors, $WRITE_CUSTOMERS customers signed up, $REQUEST_TARGETS customers to ask, $WRITE_ITEMS work items per path"
run "${seeder[@]}" seed-writes --api "$seed_api" --data-directory "$work" --vendors "$VENDORS" --customers "$WRITE_CUSTOMERS" \
  --request-targets "$REQUEST_TARGETS" --items "$WRITE_ITEMS" --workers "$SEED_WORKERS" --out-dir "$work"
psql -d customervault -qc "VACUUM ANALYZE" >/dev/null

# Each path's items: a share for the warm-up in proportion to its duration, the rest for the measured run, so neither
# repeats the other's.
warmup_items=$((WRITE_ITEMS * ${WARMUP%s} / (${WARMUP%s} + ${DURATION%s})))
split_items() {
  head -n "$warmup_items" "$work/$1.txt" >"$work/$1.warmup.txt"
  tail -n +"$((warmup_items + 1))" "$work/$1.txt" >"$work/$1.measured.txt"
}
for items in request approve grants grant; do split_items "$items"; done

# TPC-B before the first path and after the last: the reference is their mean, so that a change in what else the
# machine runs during the stage weighs on both sides alike.
tpcb() {
  echo "== pgbench TPC-B ($1): $CONNECTIONS clients, ${DURATION%s} s (scale $TPCB_SCALE)"
  run pgbench -c "$CONNECTIONS" -j 2 -T "${DURATION%s}" "$pgdb" >"$work/tpcb-$1.txt" 2>&1
  grep -E '^(tps|latency)' "$work/tpcb-$1.txt"
}
pgdb="$(pgbench_database "$TPCB_SCALE")"
tpcb before

summary=()
invalid=0
for path in $PATHS; do
  case "$path" in
    request) items=request tokens=vendor-tokens ;;
    approve) items=approve tokens=customer-tokens ;;
    narrow | revoke) items=grants tokens=customer-tokens ;; # narrowed grants stay active, so revoke can use them too
    grant) items=grant tokens=customer-tokens ;;
    *) echo "unknown path $path (request, approve, narrow, revoke, grant)" >&2; exit 2 ;;
  esac
  export PATH_NAME="$path" TOKENS="$work/$tokens.txt" THREADS=2
  echo "== $path: warm up ($WARMUP)"
  ITEMS="$work/$items.warmup.txt" run wrk -t2 -c"$CONNECTIONS" -d"$WARMUP" -s tests/benchmarks/writes.lua "$API_URL" >"$work/$path.warmup.out"
  echo "== $path: $CONNECTIONS connections, $DURATION"
  ITEMS="$work/$items.measured.txt" run wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s tests/benchmarks/writes.lua "$API_URL" >"$work/$path.out"
  cat "$work/$path.out"
  out="$work/$path.out"
  # A row counts only when every measured request was a new write that succeeded.
  problem=""
  grep -q "work items used up" "$work/$path.warmup.out" && echo "note: the $path warm-up used up its items and stopped early" >&2
  grep -q "work items used up" "$out" && problem="work items used up after $(wrk_requests "$out") requests (raise WRITE_ITEMS)"
  [ "$(wrk_non2xx "$out")" = 0 ] || problem="${problem:+$problem; }$(wrk_non2xx "$out") non-2xx answers"
  [ "$(wrk_errors "$out")" = 0 ] || problem="${problem:+$problem; }$(wrk_errors "$out") socket errors"
  if [ -n "$problem" ]; then
    invalid=1
    echo "invalid row: $path: $problem" >&2
    result "write.$path.invalid" "$problem"
  fi
  result "write.$path.rate" "$(wrk_rate "$out")"
  result "write.$path.p50" "$(wrk_ms "$out" 50%)"
  result "write.$path.p99" "$(wrk_ms "$out" 99%)"
  result "write.$path.non2xx" "$(wrk_non2xx "$out")"
  summary+=("$(printf '%-28s %12s %10s %10s %10s %s' "$path" "$(wrk_rate "$out")" "$(wrk_ms "$out" 50%)" "$(wrk_ms "$out" 99%)" "$(wrk_non2xx "$out")" \
    "${problem:+INVALID: $problem}")")
done

tpcb after
tpcb_before="$(pgbench_tps "$work/tpcb-before.txt")" tpcb_after="$(pgbench_tps "$work/tpcb-after.txt")"
tpcb=$(((tpcb_before + tpcb_after) / 2))
result write.tpcb "$tpcb"
result write.tpcb_before "$tpcb_before"
result write.tpcb_after "$tpcb_after"

echo
echo "== summary ($(nproc) cores, load average $(load_average))"
printf '%-28s %12s %10s %10s %10s\n' "" "per second" "p50 ms" "p99 ms" "non-2xx"
printf '%s\n' "${summary[@]}"
printf '%-28s %12s   (before the paths %s, after them %s)\n' "pgbench TPC-B, mean" "$tpcb" "$tpcb_before" "$tpcb_after"
# all.sh shows invalid rows as such in its table (INVALID_ROWS_OK=1); run alone, invalid rows fail the script.
[ "$invalid" = 0 ] || { echo "some rows are invalid (above): their figures do not measure the path" >&2; [ "${INVALID_ROWS_OK:-}" = 1 ] || exit 3; }
