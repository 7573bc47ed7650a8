#!/usr/bin/env bash
# Start-up and idle memory of the built vault, next to a bare ASP.NET Core endpoint: the time from starting the
# process to /health/ready answering, on a fresh data folder (which includes creating the embedded PostgreSQL
# cluster) and again on the data it left (a restart); and the resident memory once it has been idle for a moment.
# Each start is repeated STARTS times; the median is reported, the range printed.
#
#   tests/benchmarks/startup.sh
#   STARTS=5 IDLE=10 tests/benchmarks/startup.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

STARTS="${STARTS:-3}"
IDLE="${IDLE:-5}" # seconds of idleness before memory is read
API_URL="http://127.0.0.1:5095"
BARE_URL="http://127.0.0.1:5094"

BENCHMARK=startup source tests/benchmarks/vault.sh
build_release
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

fresh=() restart=() idle=() idle_restart=() bare=() bare_idle=()
for n in $(seq 1 "$STARTS"); do
  data="$work/vault-$n"
  mkdir -p "$data" && chmod 755 "$data"
  start_vault "$API_URL"
  fresh+=("$started_in")
  sleep "$IDLE"
  idle+=("$(rss_mib "$vault_pid")")
  stop_vault
  start_vault "$API_URL"
  restart+=("$started_in")
  sleep "$IDLE"
  idle_restart+=("$(rss_mib "$vault_pid")")
  stop_vault
  printf 'vault %s: fresh data folder %.2f s, restart %.2f s; idle %s MiB, after the restart %s MiB\n' \
    "$n" "${fresh[-1]}" "${restart[-1]}" "${idle[-1]}" "${idle_restart[-1]}"

  start_bare "$BARE_URL"
  bare+=("$bare_started_in")
  sleep "$IDLE"
  bare_idle+=("$(rss_mib "$bare_pid")")
  stop_bare
  printf 'bare endpoint %s: %.2f s; idle %s MiB\n' "$n" "${bare[-1]}" "${bare_idle[-1]}"
done
unset data

result start.fresh "$(printf '%.2f' "$(median "${fresh[@]}")")"
result start.restart "$(printf '%.2f' "$(median "${restart[@]}")")"
result start.bare "$(printf '%.2f' "$(median "${bare[@]}")")"
result memory.idle "$(median "${idle[@]}")"
result memory.idle_restart "$(median "${idle_restart[@]}")"
result memory.bare_idle "$(median "${bare_idle[@]}")"

echo
echo "== summary ($(nproc) cores, load average $(load_average)), median of $STARTS"
printf 'start to ready, fresh data folder:   %.2f s\n' "$(median "${fresh[@]}")"
printf 'start to ready, existing data:       %.2f s\n' "$(median "${restart[@]}")"
printf 'start to ready, bare endpoint:       %.2f s\n' "$(median "${bare[@]}")"
printf 'idle memory: vault %s MiB (after a restart %s MiB), bare endpoint %s MiB\n' \
  "$(median "${idle[@]}")" "$(median "${idle_restart[@]}")" "$(median "${bare_idle[@]}")"
