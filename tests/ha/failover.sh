#!/usr/bin/env bash
# Failover drill on one machine. From the Debian packages it starts etcd and a three-member Patroni cluster in
# synchronous mode, then two vault nodes against it (one multi-host connection string). Customers and a vendor
# drive consent writes (access requests, approvals, revocations) and vendor reads through both nodes while the
# leader is killed with kill -9 (Patroni and its PostgreSQL: a database server dying). Then every acknowledged
# write is looked up on the new leader, and the figures are printed:
#   acknowledged writes, writes found after failover (must be equal), reads served after an acknowledged revoke
#   (must be 0), time without a writable leader, errors seen by clients.
# Exits 1 when a write is lost, a revoked grant is read, or a client saw a 500.
#
#   apt-get install -y patroni etcd-server postgresql curl     # what it needs; it says what is missing
#   tests/ha/failover.sh                                       # 60 s of load, the leader killed 20 s in
#   DURATION=90 KILL_AFTER=30 tests/ha/failover.sh
#   KILL=postmaster tests/ha/failover.sh                       # kill only the leader's PostgreSQL
#
# Everything runs on 127.0.0.1 (ports from HA_PORT_BASE, default 25400) in a temporary folder; everything it
# started is stopped when it ends, also on failure or Ctrl-C (KEEP=1 keeps the folder and its logs).
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION="${DURATION:-60}"
KILL_AFTER="${KILL_AFTER:-20}"
KILL="${KILL:-member}"
WRITERS="${WRITERS:-8}"
READERS="${READERS:-8}"
BASE="${HA_PORT_BASE:-25400}"
ETCD_PORT=$BASE
ETCD_PEER_PORT=$((BASE + 1))
PG_PORTS=($((BASE + 11)) $((BASE + 12)) $((BASE + 13)))
REST_PORTS=($((BASE + 21)) $((BASE + 22)) $((BASE + 23)))
VAULT_URLS=("http://127.0.0.1:$((BASE + 31))" "http://127.0.0.1:$((BASE + 32))")

DRILL=failover source tests/ha/cluster.sh

require patroni patroni
require etcd etcd-server
require curl curl
require dotnet "the .NET SDK 10 (https://dot.net)"
[[ -x "$(pg_bin)/postgres" ]] || missing+=(postgresql)
[[ $EUID -ne 0 ]] || require setpriv util-linux
require_done
for port in $ETCD_PORT $ETCD_PEER_PORT "${PG_PORTS[@]}" "${REST_PORTS[@]}" $((BASE + 31)) $((BASE + 32)); do
  port_free "$port" || { echo "Port $port is in use; set HA_PORT_BASE to a free range." >&2; exit 2; }
done

log "build (Release)"
dotnet build -c Release -v quiet -nologo tests/CustomerVault.Benchmarks >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }

superuser_password="$(openssl rand -hex 16)"
replication_password="$(openssl rand -hex 16)"
vault_password="$(openssl rand -hex 16)"
[[ $EUID -ne 0 ]] || chown postgres:postgres "$work"

log "etcd on 127.0.0.1:$ETCD_PORT"
etcd --name drill --data-dir "$work/etcd" \
  --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
  --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster "drill=http://127.0.0.1:$ETCD_PEER_PORT" </dev/null >"$work/etcd.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$ETCD_PORT/health" >/dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$ETCD_PORT/health" >/dev/null || { cat "$work/etcd.log"; exit 1; }

# One member's configuration. ttl 10 s, loop 1 s: the leader key of a dead member expires after at most 10 s.
# synchronous_mode: a commit is acknowledged only once a standby has it, and only such a standby is promoted;
# strict: never acknowledged on the leader alone, even when no standby is left (writes wait instead).
member_config() {
  local n="$1" dir="$work/m$1"
  cat <<EOF
scope: vault-drill
name: m$n
log: {level: WARNING}
restapi: {listen: "127.0.0.1:${REST_PORTS[n - 1]}", connect_address: "127.0.0.1:${REST_PORTS[n - 1]}"}
etcd3: {hosts: "127.0.0.1:$ETCD_PORT"}
bootstrap:
  dcs:
    ttl: 10
    loop_wait: 1
    retry_timeout: 3
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    synchronous_mode_strict: true
    postgresql:
      use_pg_rewind: true
      parameters:
        wal_log_hints: "on"
        max_connections: 200
        synchronous_commit: "on"
        wal_keep_size: 256MB
  initdb: [{encoding: UTF8}, data-checksums, no-locale]
  pg_hba:
    - host replication replicator 127.0.0.1/32 scram-sha-256
    - host all all 127.0.0.1/32 scram-sha-256
postgresql:
  listen: "127.0.0.1:${PG_PORTS[n - 1]}"
  connect_address: "127.0.0.1:${PG_PORTS[n - 1]}"
  data_dir: "$dir/data"
  bin_dir: "$(pg_bin)"
  pgpass: "$dir/pgpass"
  authentication:
    superuser: {username: postgres, password: "$superuser_password"}
    replication: {username: replicator, password: "$replication_password"}
  parameters:
    unix_socket_directories: "$dir"
EOF
}

patroni_pids=()
start_member() {
  local n="$1"
  "${as_postgres[@]}" patroni "$work/m$n.yml" </dev/null >>"$work/m$n.log" 2>&1 &
  patroni_pids[n]=$!
  pids+=($!)
}

log "three Patroni members (PostgreSQL on ${PG_PORTS[*]})"
for n in 1 2 3; do
  mkdir -p "$work/m$n"
  member_config "$n" >"$work/m$n.yml"
  [[ $EUID -ne 0 ]] || chown -R postgres:postgres "$work/m$n" "$work/m$n.yml"
  datadirs+=("$work/m$n/data")
  start_member "$n"
done

role_of() { curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:${REST_PORTS[$1 - 1]}/$2" || true; }
# The member that answers 200 to the role's REST endpoint (primary, sync, replica), or nothing.
member_in_role() { for n in 1 2 3; do [[ "$(role_of "$n" "$1")" == 200 ]] && { echo "$n"; return 0; }; done; return 0; }
leader() { member_in_role primary; }
sync_standby() { member_in_role sync; }
replicas() { local c=0; for n in 1 2 3; do [[ "$(role_of "$n" replica)" == 200 ]] && c=$((c + 1)); done; echo "$c"; }

started=$SECONDS
until [[ -n "$(leader)" && -n "$(sync_standby)" && "$(replicas)" == 2 ]]; do
  if ((SECONDS - started > 180)); then
    log "the cluster did not come up in 3 minutes"; tail -n 20 "$work"/m?.log >&2; exit 1
  fi
  sleep 1
done
first_leader="$(leader)"
log "cluster up in $((SECONDS - started)) s: leader m$first_leader, synchronous standby m$(sync_standby)"

export PGHOST=127.0.0.1 PGUSER=postgres PGPASSWORD="$superuser_password"
psql_leader() { psql -p "${PG_PORTS[$(leader) - 1]}" -v ON_ERROR_STOP=1 -qAt "$@"; }
psql_leader -d postgres -c "CREATE ROLE vault LOGIN PASSWORD '$vault_password'" \
  -c "CREATE DATABASE customervault OWNER vault" -c "CREATE DATABASE drill_probe OWNER vault"

hosts="$(printf '127.0.0.1:%s,' "${PG_PORTS[@]}")"
cluster="Host=${hosts%,};Username=vault;Password=$vault_password;Target Session Attributes=read-write"
settings=(
  "ConnectionStrings__Vault=$cluster;Database=customervault"
  "Vault__DataDirectory=$work/vault"
  "Vault__Tokens__Issuer=${VAULT_URLS[0]}/"
  "Vault__Tokens__AccessTokenLifetime=01:00:00"
  "Vault__RateLimits__Enabled=false"
)
start_vault "vault node 1" "${VAULT_URLS[0]}" "$work/vault1.log" "${settings[@]}"
start_vault "vault node 2" "${VAULT_URLS[1]}" "$work/vault2.log" "${settings[@]}"

log "load: $WRITERS writers and $READERS readers for $DURATION s; the leader (m$first_leader) is killed $KILL_AFTER s in"
dotnet tests/CustomerVault.Benchmarks/bin/Release/net10.0/CustomerVault.Benchmarks.dll failover-load \
  --api "$(IFS=,; echo "${VAULT_URLS[*]}")" --connection "$cluster;Database=customervault" --probe "$cluster;Database=drill_probe" \
  --duration "$DURATION" --writers "$WRITERS" --readers "$READERS" \
  --started "$work/started" --killed "$work/killed" --report "$work/report.json" </dev/null >"$work/load.out" 2>"$work/load.log" &
load_pid=$!
pids+=($load_pid)
until [[ -f "$work/started" ]]; do
  alive "$load_pid" || { cat "$work/load.log" >&2; exit 1; }
  sleep 0.2
done
sleep "$KILL_AFTER"

postmaster="$(postmaster_of "$work/m$first_leader/data")"
date +%s%3N >"$work/killed"
if [[ "$KILL" == postmaster ]]; then
  kill -KILL "$postmaster"
  log "killed the leader's PostgreSQL (m$first_leader, postmaster $postmaster) with -9"
else
  kill -KILL "${patroni_pids[first_leader]}" "$postmaster"
  wait "${patroni_pids[first_leader]}" 2>/dev/null || true
  log "killed the leader m$first_leader (Patroni ${patroni_pids[first_leader]} and postmaster $postmaster) with -9"
fi
# A leader again: another member, or (postmaster only) the same one, whose Patroni keeps the leader key and restarts
# PostgreSQL in place; its REST health answers 503 until PostgreSQL runs again.
killed=$SECONDS
if [[ "$KILL" == postmaster ]]; then
  until [[ "$(role_of "$first_leader" health)" != 200 ]] || ((SECONDS - killed > 10)); do sleep 0.1; done
fi
new_leader=""
until [[ -n "$new_leader" && ("$KILL" == postmaster || "$new_leader" != "$first_leader") && "$(role_of "$new_leader" health)" == 200 ]] \
  || ((SECONDS - killed > 60)); do
  new_leader="$(leader)"
  sleep 0.2
done
[[ "$KILL" == postmaster && "$new_leader" == "$first_leader" ]] && log "m$first_leader was restarted in place by its Patroni"
log "leader now m${new_leader:-none}, $((SECONDS - killed)) s after the kill"

wait "$load_pid" && load_status=0 || load_status=$?
cat "$work/load.out"
grep -E "Unhandled|Exception" "$work/load.log" >&2 || true

if [[ "$KILL" != postmaster ]]; then
  # What an operator does next: start the dead member again; Patroni rewinds it and it follows the new leader.
  rejoin=$SECONDS
  start_member "$first_leader"
  until [[ "$(role_of "$first_leader" replica)" == 200 ]] || ((SECONDS - rejoin > 90)); do sleep 1; done
  if [[ "$(role_of "$first_leader" replica)" == 200 ]]; then
    echo "old leader rejoined as a replica:        $((SECONDS - rejoin)) s after it was started again"
  else
    echo "old leader rejoined as a replica:        not within 90 s (see $work/m$first_leader.log)"
    load_status=1
  fi
fi
exit "$load_status"
