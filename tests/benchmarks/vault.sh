# Sourced by the benchmark scripts: a throwaway data folder ($work), cleaned up with everything started in it
# (append process ids to $pids) also on Ctrl-C, TERM or failure; start_vault and stop_vault, which run the
# Release build of the vault; and helpers that read the reports of wrk and pgbench.
#
# When RESULTS names a file, scripts append "key value" lines to it (see result); all.sh builds its table from them.

work="$(mktemp -d "/tmp/customervault-${BENCHMARK:-bench}-XXXXXX")"
chmod 755 "$work"
pids=()
vault_pid=""
bench_dll=tests/CustomerVault.Benchmarks/bin/Release/net10.0/CustomerVault.Benchmarks.dll
# The vault's build output that start_vault runs: this tree's Release build, or another build's (ab.sh compares two).
VAULT_BIN="$(realpath -m "${VAULT_BIN:-src/CustomerVault.Api/bin/Release/net10.0}")"

# Ends what this script started: TERM first (the vault then stops its embedded PostgreSQL itself), KILL after 30 s;
# then any PostgreSQL still running on a data folder under $work (a vault that was killed leaves its server behind).
stop_started() {
  local pid alive
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 60); do
    [ "${#pids[@]}" = 0 ] && break
    alive=""
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ -z "$alive" ] && break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pids=()
  local pidfile postmaster
  while read -r pidfile; do
    postmaster="$(head -1 "$pidfile" 2>/dev/null || true)"
    [ -n "$postmaster" ] || continue
    kill -INT "$postmaster" 2>/dev/null || continue # fast shutdown
    for _ in $(seq 1 60); do kill -0 "$postmaster" 2>/dev/null || break; sleep 0.5; done
  done < <(find "$work" -name postmaster.pid -path '*/postgres/data/*' 2>/dev/null)
}

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  stop_started
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run CMD...: runs a command and waits for it in a way that lets Ctrl-C or TERM stop the script at once (a
# foreground command would first have to finish); cleanup ends the command.
run() {
  "$@" &
  local pid=$! status=0
  pids+=("$pid")
  wait "$pid" || status=$?
  forget "$pid"
  return "$status"
}

# forget PID: a process that has ended is no longer stopped at cleanup (its number may be reused).
forget() {
  local kept=() pid
  for pid in "${pids[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
  pids=("${kept[@]}")
}

# The vault runs as in production (VAULT_ENVIRONMENT=Development runs it with the demo settings instead): configured
# certificates, master key, https issuer and OAuth clients, all made for this run under $work/production. Kestrel also
# listens on https (the URL's port + 1000) with a certificate for 127.0.0.1, since the authorization server refuses plain
# HTTP outside Development: the seeders get their tokens there (seed_api, trusted through SSL_CERT_FILE), while the
# measured requests use the plain-HTTP URL, as behind a TLS-terminating proxy.
VAULT_ENVIRONMENT="${VAULT_ENVIRONMENT:-Production}"
production="$work/production"

# production_files: the certificates and master key of this run, made once.
production_files() {
  [ -f "$production/master.key" ] && return
  mkdir -p "$production"
  local purpose usage
  for purpose in signing documents encryption; do
    usage=digitalSignature
    [ "$purpose" = encryption ] && usage=keyEncipherment
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=CustomerVault benchmark $purpose" -addext "keyUsage=critical,$usage" \
      -keyout "$production/$purpose.key" -out "$production/$purpose.pem" 2>/dev/null
    openssl pkcs12 -export -passout pass: -inkey "$production/$purpose.key" -in "$production/$purpose.pem" -out "$production/$purpose.pfx"
  done
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$production/tls.key" -out "$production/tls.pem" 2>/dev/null
  openssl pkcs12 -export -passout pass: -inkey "$production/tls.key" -in "$production/tls.pem" -out "$production/tls.pfx"
  openssl rand 32 >"$production/master.key"
  chmod -R go-rwx "$production"
}

# production_settings HTTPS_URL: the environment of a production-like vault.
production_settings() {
  production_files
  local client clients=()
  # The clients the benchmark tool uses: customers' app (code + PKCE), the operator (registers vendors), the auditor.
  for client in demo-operator demo-auditor; do
    clients+=("Vault__Clients__${client}__Secret=$client-secret" "Vault__Clients__${client}__ActorType=${client#demo-}")
  done
  printf '%s\n' ASPNETCORE_ENVIRONMENT=Production "Vault__Tokens__Issuer=$1/" \
    "Vault__Encryption__MasterKey=$(base64 -w0 "$production/master.key")" \
    "Vault__Certificates__Signing__Path=$production/signing.pfx" "Vault__Certificates__Documents__Path=$production/documents.pfx" \
    "Vault__Certificates__Encryption__Path=$production/encryption.pfx" \
    "Kestrel__Certificates__Default__Path=$production/tls.pfx" "Kestrel__Certificates__Default__Password=" \
    Vault__Clients__vault-customer-app__ActorType=customer Vault__Clients__vault-customer-app__RedirectUris__0=http://127.0.0.1:5081/callback \
    "${clients[@]}"
}

# start_vault URL [NAME=VALUE ...]: the vault on URL (see VAULT_ENVIRONMENT above) with its embedded PostgreSQL in $data
# (default $work), extra settings as environment variables; returns once /health/ready answers (or shows the log and
# fails). Sets vault_pid, started_in (seconds from the process start to ready) and seed_api (where seeders sign up
# and get tokens). Rate limits are off: a load generator is one address and a few clients, which production limits
# would rightly throttle.
start_vault() {
  local url="$1"
  shift
  local folder="${data:-$work}"
  local began settings=()
  seed_api="$url"
  if [ "$VAULT_ENVIRONMENT" = Production ]; then
    local port="${url##*:}"
    seed_api="https://127.0.0.1:$((port + 1000))"
    mapfile -t settings < <(production_settings "$seed_api")
    settings+=("ASPNETCORE_URLS=$url;$seed_api")
    # The seeders seal profiles with the vault's master key, which they read where Development keeps it.
    mkdir -p "$folder/keys" && cp "$production/master.key" "$folder/keys/master.key"
  else
    settings=(ASPNETCORE_ENVIRONMENT=Development "ASPNETCORE_URLS=$url")
  fi
  began=$(date +%s.%N)
  env "${settings[@]}" Vault__DataDirectory="$folder" Logging__LogLevel__Default=Warning Vault__RateLimits__Enabled=false "$@" \
    dotnet "$VAULT_BIN/CustomerVault.Api.dll" --contentRoot "$VAULT_BIN" >>"$folder/api.log" 2>&1 &
  vault_pid=$!
  pids+=("$vault_pid")
  for _ in $(seq 1 1200); do
    curl -sf "$url/health/ready" >/dev/null 2>&1 && break
    kill -0 "$vault_pid" 2>/dev/null || break
    sleep 0.05
  done
  curl -sf "$url/health/ready" >/dev/null || { cat "$folder/api.log"; exit 1; }
  started_in=$(echo "$(date +%s.%N) - $began" | bc)
}

# stop_vault: TERM to the vault started last, and wait until it (and with it its embedded PostgreSQL) has stopped.
stop_vault() {
  kill "$vault_pid" 2>/dev/null || true
  for _ in $(seq 1 120); do kill -0 "$vault_pid" 2>/dev/null || break; sleep 0.25; done
  wait "$vault_pid" 2>/dev/null || true
  forget "$vault_pid"
}

# start_bare URL: the bare ASP.NET Core endpoint; sets bare_pid and bare_started_in.
start_bare() {
  local began
  began=$(date +%s.%N)
  dotnet "$bench_dll" bare "$1" >>"$work/bare.log" 2>&1 &
  bare_pid=$!
  pids+=("$bare_pid")
  for _ in $(seq 1 1200); do curl -sf "$1/" >/dev/null 2>&1 && break; sleep 0.05; done
  curl -sf "$1/" >/dev/null || { cat "$work/bare.log"; exit 1; }
  bare_started_in=$(echo "$(date +%s.%N) - $began" | bc)
}

stop_bare() {
  kill "$bare_pid" 2>/dev/null || true
  wait "$bare_pid" 2>/dev/null || true
  forget "$bare_pid"
}

# The embedded PostgreSQL of the vault on $data (default $work), for psql and pgbench.
use_vault_database() {
  local folder="${data:-$work}"
  export PGHOST=127.0.0.1 PGPORT="$(sed -n 4p "$folder/postgres/data/postmaster.pid")" PGUSER=vault
  PGPASSWORD="$(cat "$folder/postgres/password")"
  export PGPASSWORD
}

result() { [ -z "${RESULTS:-}" ] || echo "$1 $2" >>"$RESULTS"; }

# Resident memory of a process in MiB.
rss_mib() { awk '/^VmRSS/ {printf "%.0f", $2 / 1024}' "/proc/$1/status"; }

# sample_rss PID FILE: writes the highest resident memory seen, every half second, until stopped.
sample_rss() {
  local highest=0 now
  while kill -0 "$1" 2>/dev/null; do
    now="$(rss_mib "$1" 2>/dev/null || echo 0)"
    [ "${now:-0}" -gt "$highest" ] && highest="$now" && echo "$highest" >"$2"
    sleep 0.5
  done
}

load_average() { cut -d' ' -f1-3 /proc/loadavg; }

# CPU seconds so far: of one running process; of the vault's PostgreSQL on $data (default $work: the postmaster,
# its running children, and those that ended); of this script's children that ended (as bash's times reports).
cpu_of() { awk -v t="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / t}' "/proc/$1/stat"; }
cpu_of_postgres() {
  local postmaster child
  postmaster="$(head -1 "${data:-$work}/postgres/data/postmaster.pid")"
  { awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat"
    for child in $(pgrep -P "$postmaster"); do awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null || true; done
  } | awk -v t="$(getconf CLK_TCK)" '{s += $1} END {printf "%.2f", s / t}'
}
cpu_of_ended_children() {
  times >"$work/times" # a builtin in this shell: in a pipe or $(...) it would report a subshell's children
  tail -1 "$work/times" | awk '{s = 0; for (i = 1; i <= 2; i++) {split($i, p, "m"); s += p[1] * 60 + p[2]}; printf "%.2f", s}'
}

# Seeders run without the thread pool's spin-waiting, which burns a core's worth of CPU on a small, crowded machine.
seeder=(env DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=0 SSL_CERT_FILE="$production/tls.pem" dotnet "$bench_dll")
# The benchmark tool as a client of the vault (it trusts the vault's https certificate).
bench_client=(env SSL_CERT_FILE="$production/tls.pem" dotnet "$bench_dll")

# Readers of wrk's report (run with --latency) and pgbench's.
wrk_rate() { awk '/Requests\/sec/ {printf "%.0f", $2}' "$1"; }
wrk_requests() { awk '/requests in/ {print $1}' "$1"; }
wrk_non2xx() { awk '/Non-2xx/ {n = $5} END {print n + 0}' "$1"; }
wrk_errors() { awk '/Socket errors/ {gsub(",", ""); n = $4 + $6 + $8 + $10} END {print n + 0}' "$1"; }
# wrk_ms FILE 50%: the percentile in milliseconds.
wrk_ms() {
  awk -v p="$2" '$1 == p {
    v = $2; unit = v; sub(/^[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v)
    f = unit == "us" ? 0.001 : unit == "s" ? 1000 : unit == "m" ? 60000 : 1
    printf "%.1f", v * f }' "$1"
}
pgbench_tps() { awk '/^tps/ {printf "%.0f", $3; exit}' "$1"; }

# pgbench_database SCALE: a pgbench database of that scale in the vault's server (made once).
pgbench_database() {
  if [ "$(psql -d postgres -Atc "SELECT count(*) FROM pg_database WHERE datname = 'pgbench_s$1'")" = 0 ]; then
    psql -d postgres -qc "CREATE DATABASE pgbench_s$1" >/dev/null
    pgbench -i -q -s "$1" "pgbench_s$1" >/dev/null 2>&1
  fi
  echo "pgbench_s$1"
}

# Builds the vault, the benchmark tools and the CLI in Release, unless SKIP_BUILD=1 (all.sh builds once).
build_release() {
  [ "${SKIP_BUILD:-}" = 1 ] && return
  echo "== build (Release)"
  dotnet build -c Release -v quiet -nologo "${BUILD_FLAGS[@]}" tests/CustomerVault.Benchmarks >/dev/null
  dotnet build -c Release -v quiet -nologo "${BUILD_FLAGS[@]}" src/CustomerVault.Cli >/dev/null
}
BUILD_FLAGS=(-maxcpucount:1)
