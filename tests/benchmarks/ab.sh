#!/usr/bin/env bash
# Two builds of the vault compared on the vendor read path, interleaved: one seeded data folder, then ROUNDS rounds
# of A and B, in alternating order (each started on that folder, warmed up, measured) and pgbench -S after each round. On a shared
# machine, absolute figures follow the neighbours; alternating the builds within minutes keeps the comparison fair.
# Besides throughput and latency, it reports the vault's CPU time per read, which depends less on the machine's load.
#
#   cp -a src/CustomerVault.Api/bin/Release/net10.0 /tmp/before      # a build to compare with, then change and build
#   A=/tmp/before B=src/CustomerVault.Api/bin/Release/net10.0 tests/benchmarks/ab.sh
#   A=... B=... B_ENV="DOTNET_TieredPGO=0" ROUNDS=5 tests/benchmarks/ab.sh   # B_ENV/A_ENV: extra settings for one side
#
# Needs wrk and pgbench. Everything runs on 127.0.0.1 in a throwaway data folder; nothing is left running afterwards.
set -euo pipefail
cd "$(dirname "$0")/../.."

A="$(realpath "${A:?A names a build output folder (with CustomerVault.Api.dll)}")"
B="$(realpath "${B:?B names a build output folder (with CustomerVault.Api.dll)}")"
read -r -a a_env <<<"${A_ENV:-}"
read -r -a b_env <<<"${B_ENV:-}"
CUSTOMERS="${CUSTOMERS:-2000}"
VENDORS="${VENDORS:-100}"
CONNECTIONS="${CONNECTIONS:-32}"
DURATION="${DURATION:-10s}"
WARMUP="${WARMUP:-5s}"
ROUNDS="${ROUNDS:-3}"
API_URL="http://127.0.0.1:5094"

BENCHMARK=ab source tests/benchmarks/vault.sh
build_release # the seeder
VAULT_BIN="$A" start_vault "$API_URL" Vault__Tokens__AccessTokenLifetime=01:00:00
use_vault_database
pgdb="$(pgbench_database 10)"
run "${seeder[@]}" seed-vendor-reads --api "$seed_api" --data-directory "$work" --vendors "$VENDORS" --vendors-file "$work/vendors.txt" \
  --first 0 --customers "$CUSTOMERS" --grants-per-customer 3 --workers 4 --out "$work/requests.txt" >/dev/null
shuf --random-source=<(yes) -o "$work/requests.txt" "$work/requests.txt"
psql -d customervault -qc "VACUUM ANALYZE" >/dev/null
stop_vault
export VENDOR_TOKENS="$work/vendors.txt" REQUESTS="$work/requests.txt"

rows=()
for round in $(seq 1 "$ROUNDS"); do
  order="A B"
  [ $((round % 2)) = 1 ] || order="B A" # A B, B A, A B...: neither build always runs second
  for side in $order; do
    if [ "$side" = A ]; then bin="$A" extra=("${a_env[@]}"); else bin="$B" extra=("${b_env[@]}"); fi
    VAULT_BIN="$bin" start_vault "$API_URL" Vault__Tokens__AccessTokenLifetime=01:00:00 "${extra[@]}"
    run wrk -t2 -c"$CONNECTIONS" -d"$WARMUP" -s tests/benchmarks/vendor-read.lua "$API_URL" >/dev/null
    cpu_before="$(cpu_of "$vault_pid")" pg_before="$(cpu_of_postgres)"
    run wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s tests/benchmarks/vendor-read.lua "$API_URL" >"$work/$side-$round.txt"
    cpu="$(echo "$(cpu_of "$vault_pid") - $cpu_before" | bc)" pg="$(echo "$(cpu_of_postgres) - $pg_before" | bc)"
    requests="$(wrk_requests "$work/$side-$round.txt")"
    rows+=("$(printf '%-6s %-3s %10s %9s %9s %9s %13s %12s %s' "$round" "$side" "$(wrk_rate "$work/$side-$round.txt")" \
      "$(wrk_ms "$work/$side-$round.txt" 50%)" "$(wrk_ms "$work/$side-$round.txt" 99%)" "$(wrk_non2xx "$work/$side-$round.txt")" \
      "$(echo "$cpu * 1000000 / $requests" | bc)" "$(echo "$pg * 1000000 / $requests" | bc)" "$(load_average)")")
    if [ "$side" = "${order#* }" ]; then # the database runs inside the vault, idle now
      use_vault_database
      run pgbench -S -c "$CONNECTIONS" -j 2 -T "${DURATION%s}" "$pgdb" >"$work/pgbench-$round.txt" 2>&1
      rows+=("$(printf '%-6s %-3s %10s' "$round" "-S" "$(pgbench_tps "$work/pgbench-$round.txt")")")
    fi
    stop_vault
  done
done

echo "== A: $A ${A_ENV:-}"
echo "== B: $B ${B_ENV:-}"
echo "== $CUSTOMERS customers, $CONNECTIONS connections, $DURATION per run ($(nproc) cores)"
printf '%-6s %-3s %10s %9s %9s %9s %13s %12s %s\n' round run "reads/s" "p50 ms" "p99 ms" non-2xx "vault us/read" "pg us/read" "load average"
printf '%s\n' "${rows[@]}"
