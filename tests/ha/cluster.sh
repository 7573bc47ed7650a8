# Sourced by tests/ha/*.sh: a throwaway folder ($work), a cleanup that stops everything started in it (on exit,
# failure or Ctrl-C), and helpers to run PostgreSQL programs as the postgres user when the script runs as root.

work="$(mktemp -d "/tmp/customervault-${DRILL:-drill}-XXXXXX")"
chmod 755 "$work"
pids=()       # stopped with SIGTERM, in reverse order, then SIGKILL if they outlive the grace period
datadirs=()   # PostgreSQL data folders: a postmaster still running on one is stopped too

log() { printf '%s  %s\n' "$(date +%T)" "$*" >&2; }

# PostgreSQL refuses to run as root: as root, "${as_postgres[@]}" PROGRAM runs it as the postgres user. setpriv
# execs (no process in between), so after "${as_postgres[@]}" PROGRAM &, $! is the program itself.
as_postgres=()
[[ $EUID -ne 0 ]] || as_postgres=(setpriv --reuid=postgres --regid=postgres --init-groups --)

alive() { kill -0 "$1" 2>/dev/null; }

postmaster_of() { [[ -f "$1/postmaster.pid" ]] && head -n1 "$1/postmaster.pid" || true; }

stop_pid() {
  local pid="$1" grace="${2:-30}"
  alive "$pid" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((grace * 10))); do alive "$pid" || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  set +e
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do stop_pid "${pids[i]}"; done
  for dir in "${datadirs[@]}"; do
    local pm
    pm="$(postmaster_of "$dir")"
    if [[ -n "$pm" ]] && alive "$pm"; then
      kill -INT "$pm" 2>/dev/null   # fast shutdown
      for _ in $(seq 1 100); do alive "$pm" || break; sleep 0.1; done
      alive "$pm" && kill -KILL "$pm" 2>/dev/null
    fi
  done
  wait 2>/dev/null
  # Backends of a postmaster killed with -9 leave by themselves once they notice; give them a moment, then report.
  for _ in $(seq 1 50); do pgrep -f -- "$work" >/dev/null || break; sleep 0.1; done
  if pgrep -f -- "$work" >/dev/null; then
    log "still running in $work after cleanup:"
    pgrep -a -f -- "$work" >&2
    status=1
  fi
  if [[ "${KEEP:-0}" == 1 ]]; then log "kept $work"; else rm -rf "$work"; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# require COMMAND PACKAGE: says which Debian package provides what is missing.
missing=()
require() { command -v "$1" >/dev/null 2>&1 || missing+=("$2"); }
require_done() {
  if ((${#missing[@]} > 0)); then
    echo "Missing: ${missing[*]}. Install with: apt-get install -y ${missing[*]}" >&2
    exit 2
  fi
}

pg_bin() {
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)"
  [[ -n "$bin" ]] || bin="$(dirname "$(command -v postgres 2>/dev/null || echo /nonexistent/postgres)")"
  echo "$bin"
}

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# start_vault NAME URL LOGFILE [NAME=VALUE ...]: the Release build of the vault, in Development, with extra settings.
start_vault() {
  local name="$1" url="$2" logfile="$3"
  shift 3
  env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="$url" Logging__LogLevel__Default=Warning "$@" \
    dotnet src/CustomerVault.Api/bin/Release/net10.0/CustomerVault.Api.dll \
    --contentRoot "$PWD/src/CustomerVault.Api/bin/Release/net10.0" </dev/null >"$logfile" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 240); do
    curl -sf "$url/health/ready" >/dev/null && { log "$name ready on $url"; return 0; }
    alive "${pids[-1]}" || break
    sleep 0.5
  done
  log "$name did not become ready; its log:"
  tail -n 40 "$logfile" >&2
  exit 1
}
