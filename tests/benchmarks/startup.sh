#!/usr/bin/env bash
# Start-up and idle memory of the built vault (and of its published ReadyToRun output), next to a bare ASP.NET Core endpoint: the time from starting the
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

# The published ReadyToRun output too (READY_TO_RUN=0 skips it): precompiled code instead of JIT at start-up, as a
# deployment would publish it (dotnet publish -r linux-x64 -p:PublishReadyToRun=true).
variants=(built)
if [ "${READY_TO_RUN:-1}" = 1 ]; then
  echo "== publish (Release, linux-x64, ReadyToRun)"
  run dotnet publish src/CustomerVault.Api -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true "${BUILD_FLAGS[@]}" \
    -v quiet -nologo -o "$work/published" >/dev/null
  variants+=(r2r)
fi

# start_measured: start_vault, and the vault's CPU seconds up to ready (less dependent on the machine's load than the time).
start_measured() {
  start_vault "$API_URL"
  cpu_ready="$(cpu_of "$vault_pid")"
}

summary=()
for variant in "${variants[@]}"; do
  bin=src/CustomerVault.Api/bin/Release/net10.0 suffix=""
  [ "$variant" = built ] || bin="$work/published" suffix="_$variant"
  fresh=() restart=() idle=() idle_restart=() cpu_fresh=() cpu_restart=() bare=() bare_idle=()
  for n in $(seq 1 "$STARTS"); do
    data="$work/vault-$variant-$n"
    mkdir -p "$data" && chmod 755 "$data"
    VAULT_BIN="$(realpath "$bin")" start_measured
    fresh+=("$started_in") cpu_fresh+=("$cpu_ready")
    sleep "$IDLE"
    idle+=("$(rss_mib "$vault_pid")")
    stop_vault
    VAULT_BIN="$(realpath "$bin")" start_measured
    restart+=("$started_in") cpu_restart+=("$cpu_ready")
    sleep "$IDLE"
    idle_restart+=("$(rss_mib "$vault_pid")")
    stop_vault
    printf 'vault (%s) %s: fresh data folder %.2f s (vault CPU %s s), restart %.2f s (%s s); idle %s MiB, after the restart %s MiB\n' \
      "$variant" "$n" "${fresh[-1]}" "${cpu_fresh[-1]}" "${restart[-1]}" "${cpu_restart[-1]}" "${idle[-1]}" "${idle_restart[-1]}"
  done
  unset data
  result "start.fresh$suffix" "$(printf '%.2f' "$(median "${fresh[@]}")")"
  result "start.restart$suffix" "$(printf '%.2f' "$(median "${restart[@]}")")"
  result "start.cpu_fresh$suffix" "$(median "${cpu_fresh[@]}")"
  result "start.cpu_restart$suffix" "$(median "${cpu_restart[@]}")"
  result "memory.idle$suffix" "$(median "${idle[@]}")"
  result "memory.idle_restart$suffix" "$(median "${idle_restart[@]}")"
  summary+=("$(printf '%-9s fresh data folder %.2f s (vault CPU %s s), existing data %.2f s (%s s); idle %s MiB (after a restart %s MiB)' "$variant" \
    "$(median "${fresh[@]}")" "$(median "${cpu_fresh[@]}")" "$(median "${restart[@]}")" "$(median "${cpu_restart[@]}")" \
    "$(median "${idle[@]}")" "$(median "${idle_restart[@]}")")")
done

for n in $(seq 1 "$STARTS"); do
  start_bare "$BARE_URL"
  bare+=("$bare_started_in")
  sleep "$IDLE"
  bare_idle+=("$(rss_mib "$bare_pid")")
  stop_bare
  printf 'bare endpoint %s: %.2f s; idle %s MiB\n' "$n" "${bare[-1]}" "${bare_idle[-1]}"
done
result start.bare "$(printf '%.2f' "$(median "${bare[@]}")")"
result memory.bare_idle "$(median "${bare_idle[@]}")"

echo
echo "== summary ($(nproc) cores, load average $(load_average)), median of $STARTS; start to ready"
printf '%s\n' "${summary[@]}"
printf 'bare endpoint: %.2f s; idle %s MiB\n' "$(median "${bare[@]}")" "$(median "${bare_idle[@]}")"
