#!/usr/bin/env bash
# The vendor read path under load, next to what this machine does with no work (a bare ASP.NET Core endpoint)
# and with the database alone (pgbench -S), so the ratios are visible. Several sizes in one run: the vault is
# filled up to each size in turn and measured there, with pgbench -S measured again beside each. Also records the
# vault's and the bare endpoint's resident memory under the load.
#
#   tests/benchmarks/vendor-read.sh                              # 10,000 customers, 100 vendors, 32 connections, 30 s
#   CUSTOMERS="10000 100000" tests/benchmarks/vendor-read.sh     # measured at 10,000, then filled up to 100,000
#   DURATION=60s CONNECTIONS=64 tests/benchmarks/vendor-read.sh
#
# Needs wrk and pgbench (apt-get install -y wrk postgresql-contrib). Everything runs on 127.0.0.1 in a
# throwaway data folder; nothing is left running afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."

CUSTOMERS="${CUSTOMERS:-10000}"
VENDORS="${VENDORS:-100}"
GRANTS_PER_CUSTOMER="${GRANTS_PER_CUSTOMER:-3}"
CONNECTIONS="${CONNECTIONS:-32}"
DURATION="${DURATION:-30s}"
WARMUP="${WARMUP:-20s}"
PGBENCH_SCALE="${PGBENCH_SCALE:-10}"
SEED_WORKERS="${SEED_WORKERS:-4}"
API_URL="http://127.0.0.1:5098"
BARE_URL="http://127.0.0.1:5099"

for tool in wrk pgbench; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install -y wrk postgresql-contrib)" >&2; exit 1; }
done

BENCHMARK=vendor-read source tests/benchmarks/vault.sh
build_release
start_vault "$API_URL" Vault__Tokens__AccessTokenLifetime=01:00:00
use_vault_database
pgdb="$(pgbench_database "$PGBENCH_SCALE")"

seeded=0
summary=()
for size in $CUSTOMERS; do
  echo "== seed customers $seeded to $size ($VENDORS vendors, $GRANTS_PER_CUSTOMER grants per customer)"
  run "${seeder[@]}" seed-vendor-reads --api "$seed_api" --data-directory "$work" --vendors "$VENDORS" --vendors-file "$work/vendors.txt" \
    --first "$seeded" --customers "$((size - seeded))" --grants-per-customer "$GRANTS_PER_CUSTOMER" --workers "$SEED_WORKERS" --out "$work/requests.txt"
  # Reads spread over all customers, old and new alike.
  shuf --random-source=<(yes) -o "$work/requests.txt" "$work/requests.txt"
  seeded=$size
  psql -d customervault -qc "VACUUM ANALYZE" >/dev/null

  export VENDOR_TOKENS="$work/vendors.txt" REQUESTS="$work/requests.txt"
  echo "== warm up ($WARMUP)"
  run wrk -t2 -c"$CONNECTIONS" -d"$WARMUP" -s tests/benchmarks/vendor-read.lua "$API_URL" >/dev/null
  logged_before="$(psql -d customervault -Atc "SELECT count(*) FROM vault.access_log")"

  echo "== vendor reads, $size customers: $CONNECTIONS connections, $DURATION"
  sample_rss "$vault_pid" "$work/rss-$size.txt" &
  sampler=$!
  pids+=("$sampler")
  run wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s tests/benchmarks/vendor-read.lua "$API_URL" >"$work/reads-$size.txt"
  kill "$sampler" 2>/dev/null || true
  forget "$sampler"
  cat "$work/reads-$size.txt"
  logged=$(($(psql -d customervault -Atc "SELECT count(*) FROM vault.access_log") - logged_before))
  echo "reads served: $(wrk_requests "$work/reads-$size.txt"), of them non-2xx: $(wrk_non2xx "$work/reads-$size.txt"); access log records written: $logged"

  echo "== pgbench -S: $CONNECTIONS clients, ${DURATION%s} s (scale $PGBENCH_SCALE)"
  run pgbench -S -c "$CONNECTIONS" -j 2 -T "${DURATION%s}" "$pgdb" >"$work/pgbench-S-$size.txt" 2>&1
  grep -E '^(tps|latency)' "$work/pgbench-S-$size.txt"

  reads="$work/reads-$size.txt"
  result "read.$size.rate" "$(wrk_rate "$reads")"
  result "read.$size.p50" "$(wrk_ms "$reads" 50%)"
  result "read.$size.p99" "$(wrk_ms "$reads" 99%)"
  result "read.$size.non2xx" "$(wrk_non2xx "$reads")"
  result "read.$size.rss" "$(cat "$work/rss-$size.txt" 2>/dev/null || echo 0)"
  result "read.$size.pgbench_s" "$(pgbench_tps "$work/pgbench-S-$size.txt")"
  summary+=("$(printf '%-34s %12s %10s %10s %10s' "vendor reads, $size customers" "$(wrk_rate "$reads")" "$(wrk_ms "$reads" 50%)" \
    "$(wrk_ms "$reads" 99%)" "$(cat "$work/rss-$size.txt" 2>/dev/null || echo '?')")")
  summary+=("$(printf '%-34s %12s' "pgbench -S, beside it" "$(pgbench_tps "$work/pgbench-S-$size.txt")")")
done

echo "== bare ASP.NET Core endpoint: $CONNECTIONS connections, $DURATION"
start_bare "$BARE_URL"
run wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}" "$BARE_URL/" >/dev/null
sample_rss "$bare_pid" "$work/rss-bare.txt" &
sampler=$!
pids+=("$sampler")
run wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$BARE_URL/" >"$work/bare.txt"
kill "$sampler" 2>/dev/null || true
forget "$sampler"
stop_bare
cat "$work/bare.txt"
result bare.rate "$(wrk_rate "$work/bare.txt")"
result bare.rss_load "$(cat "$work/rss-bare.txt" 2>/dev/null || echo 0)"

echo
echo "== summary ($(nproc) cores, load average $(load_average))"
printf '%-34s %12s %10s %10s %10s\n' "" "per second" "p50 ms" "p99 ms" "RSS MiB"
printf '%s\n' "${summary[@]}"
printf '%-34s %12s %10s %10s %10s\n' "bare ASP.NET Core endpoint" "$(wrk_rate "$work/bare.txt")" "$(wrk_ms "$work/bare.txt" 50%)" \
  "$(wrk_ms "$work/bare.txt" 99%)" "$(cat "$work/rss-bare.txt" 2>/dev/null || echo '?')"
