# Sourced by the benchmark scripts: a throwaway data folder ($work), cleaned up with everything started in it
# (append process ids to $pids), and start_vault, which runs the Release build of the vault on it.

work="$(mktemp -d "/tmp/customervault-${BENCHMARK:-bench}-XXXXXX")"
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# start_vault URL [NAME=VALUE ...]: the vault in Development on URL with its embedded PostgreSQL in $work,
# extra settings as environment variables; returns once /health/ready answers (or shows the log and fails).
start_vault() {
  local url="$1"
  shift
  echo "== start the vault (embedded PostgreSQL in $work)"
  env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="$url" Vault__DataDirectory="$work" Logging__LogLevel__Default=Warning "$@" \
    dotnet src/CustomerVault.Api/bin/Release/net10.0/CustomerVault.Api.dll \
    --contentRoot "$PWD/src/CustomerVault.Api/bin/Release/net10.0" >"$work/api.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do curl -sf "$url/health/ready" >/dev/null && break; sleep 0.5; done
  curl -sf "$url/health/ready" >/dev/null || { cat "$work/api.log"; exit 1; }
}
