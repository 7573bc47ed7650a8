#!/usr/bin/env bash
# The vendor read path under load, next to what this machine does with no work (a bare ASP.NET Core endpoint)
# and with the database alone (pgbench -S), so the ratios are visible.
#
#   tests/benchmarks/vendor-read.sh            # 10,000 customers, 100 vendors, 32 connections, 30 s
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
API_URL="http://127.0.0.1:5098"
BARE_URL="http://127.0.0.1:5099"

for tool in wrk pgbench; do
  command -v "$tool" >/dev/null || { echo "$tool is missing (apt-get install -y wrk postgresql-contrib)" >&2; exit 1; }
done

BENCHMARK=vendor-read source tests/benchmarks/vault.sh

echo "== build (Release)"
dotnet build -c Release -v quiet -nologo tests/CustomerVault.Benchmarks >/dev/null

start_vault "$API_URL" Vault__Tokens__AccessTokenLifetime=01:00:00

echo "== seed $CUSTOMERS customers, $VENDORS vendors, $GRANTS_PER_CUSTOMER grants per customer"
bench=tests/CustomerVault.Benchmarks/bin/Release/net10.0/CustomerVault.Benchmarks.dll
dotnet "$bench" seed-vendor-reads --api "$API_URL" --data-directory "$work" --customers "$CUSTOMERS" --vendors "$VENDORS" \
  --grants-per-customer "$GRANTS_PER_CUSTOMER" --out "$work/requests.txt"

port="$(sed -n 4p "$work/postgres/data/postmaster.pid")"
export PGHOST=127.0.0.1 PGPORT="$port" PGUSER=vault PGPASSWORD="$(cat "$work/postgres/password")"
logged_before="$(psql -d customervault -Atc "SELECT count(*) FROM vault.access_log")"

echo "== warm up"
REQUESTS="$work/requests.txt" wrk -t2 -c"$CONNECTIONS" -d"${WARMUP:-20s}" -s tests/benchmarks/vendor-read.lua "$API_URL" >/dev/null
logged_warm="$(psql -d customervault -Atc "SELECT count(*) FROM vault.access_log")"

echo "== vendor reads: $CONNECTIONS connections, $DURATION"
REQUESTS="$work/requests.txt" wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s tests/benchmarks/vendor-read.lua "$API_URL" | tee "$work/reads.txt"
logged_after="$(psql -d customervault -Atc "SELECT count(*) FROM vault.access_log")"

echo "== bare ASP.NET Core endpoint: $CONNECTIONS connections, $DURATION"
dotnet "$bench" bare "$BARE_URL" &
pids+=($!)
for _ in $(seq 1 60); do curl -sf "$BARE_URL/" >/dev/null && break; sleep 0.5; done
wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$BARE_URL/" | tee "$work/bare.txt"

echo "== pgbench -S: $CONNECTIONS clients, ${DURATION%s} s"
psql -d postgres -qc "CREATE DATABASE pgbench" >/dev/null
pgbench -i -q -s 10 pgbench >/dev/null 2>&1
pgbench -S -c "$CONNECTIONS" -j 2 -T "${DURATION%s}" pgbench | tee "$work/pgbench.txt"

rate() { awk '/Requests\/sec/ {print $2}' "$1"; }
percentile() { awk -v p="$2" '$1 == p {print $2}' "$1"; }
non2xx() { awk '/Non-2xx/ {print $5}' "$1"; }
served=$(awk '/requests in/ {print $1}' "$work/reads.txt")
echo
echo "== summary ($(nproc) cores)"
printf '%-28s %12s %10s %10s\n' "" "per second" "p50" "p99"
printf '%-28s %12s %10s %10s\n' "vendor reads (logged)" "$(rate "$work/reads.txt")" "$(percentile "$work/reads.txt" 50%)" "$(percentile "$work/reads.txt" 99%)"
printf '%-28s %12s %10s %10s\n' "bare ASP.NET Core endpoint" "$(rate "$work/bare.txt")" "$(percentile "$work/bare.txt" 50%)" "$(percentile "$work/bare.txt" 99%)"
printf '%-28s %12s\n' "pgbench -S (transactions)" "$(awk '/^tps/ {print $3; exit}' "$work/pgbench.txt")"
echo "non-2xx vendor reads: $(non2xx "$work/reads.txt" || true)"
echo "reads served in the measured run: $served; access log records written in it: $((logged_after - logged_warm)) (warm-up wrote $((logged_warm - logged_before)))"
