#!/usr/bin/env bash
# Backup and point-in-time restore, end to end, as docs/operations.md describes it:
#   1. a vault (its embedded PostgreSQL) with a consent history: customers, vendors, grants, reads, a signed checkpoint;
#   2. WAL archived continuously (pg_receivewal) and a base backup taken while the vault runs (pg_basebackup);
#   3. more history and a second checkpoint; the instant T is noted; more history and a third checkpoint after T;
#   4. the backup restored into a fresh data folder and recovered to T from the archive;
#   5. a vault started on it, which verifies every hash chain and the latest checkpoint (the second: the third
#      came after T), over its API and with the customervault CLI; the restored history is exactly the one at T.
# Exits 1 when anything does not verify.
#
#   apt-get install -y postgresql curl jq        # what it needs besides the .NET SDK; it says what is missing
#   tests/ha/backup-restore.sh
#   CUSTOMERS=20000 tests/ha/backup-restore.sh   # a larger history (default 2,000 customers)
#
# Everything runs on 127.0.0.1 in a temporary folder and is stopped when it ends (KEEP=1 keeps the folder).
set -euo pipefail
cd "$(dirname "$0")/../.."

CUSTOMERS="${CUSTOMERS:-2000}"
BASE="${HA_PORT_BASE:-25400}"
SOURCE_URL="http://127.0.0.1:$((BASE + 41))"
RESTORED_URL="http://127.0.0.1:$((BASE + 42))"

DRILL=restore source tests/ha/cluster.sh

bin="$(pg_bin)"
for program in pg_basebackup pg_receivewal psql; do [[ -x "$bin/$program" ]] || command -v "$program" >/dev/null || missing+=(postgresql); done
[[ -x "$bin/postgres" ]] || missing+=(postgresql)
require curl curl
require jq jq
require dotnet "the .NET SDK 10 (https://dot.net)"
[[ $EUID -ne 0 ]] || require setpriv util-linux
missing=($(printf '%s\n' "${missing[@]}" | sort -u))
require_done
export PATH="$bin:$PATH"

log "build (Release)"
{ dotnet build -c Release -v quiet -nologo tests/CustomerVault.Benchmarks && dotnet build -c Release -v quiet -nologo src/CustomerVault.Cli; } \
  >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
bench=tests/CustomerVault.Benchmarks/bin/Release/net10.0/CustomerVault.Benchmarks.dll
cli=src/CustomerVault.Cli/bin/Release/net10.0/customervault.dll

token() { # token URL CLIENT SECRET
  curl -sf "$1/connect/token" -d grant_type=client_credentials -d client_id="$2" -d client_secret="$3" | jq -r .access_token
}
checkpoint() { # checkpoint URL: makes a signed checkpoint now, prints its id
  curl -sf -X POST "$1/v1/audit/checkpoints" -H "Authorization: Bearer $(token "$1" demo-operator demo-operator-secret)" | jq -r .id
}
seed() { # seed CUSTOMERS OUT: customers and grants in the event store, vendors through the API
  dotnet "$bench" seed-vendor-reads --api "$SOURCE_URL" --data-directory "$work/source" --customers "$1" --vendors 5 \
    --grants-per-customer 2 --out "$2" 2>>"$work/seed.log"
}

# 1. The vault and its history.
start_vault "source vault" "$SOURCE_URL" "$work/source.log" "Vault__DataDirectory=$work/source" "ConnectionStrings__Vault="
source_pid="${pids[-1]}"
datadirs+=("$work/source/postgres/data")
export PGHOST=127.0.0.1 PGUSER=vault PGDATABASE=customervault
PGPORT="$(sed -n 4p "$work/source/postgres/data/postmaster.pid")"
PGPASSWORD="$(cat "$work/source/postgres/password")"
export PGPORT PGPASSWORD
sql() { psql -v ON_ERROR_STOP=1 -qAt -c "$1"; }

log "history before the backup: $CUSTOMERS customers, vendor reads, a checkpoint"
seed "$CUSTOMERS" "$work/pairs-1.txt"
head -n 50 "$work/pairs-1.txt" | while read -r vendor_token customer; do
  curl -sf -o /dev/null "$SOURCE_URL/v1/customers/$customer/profile?purpose=marketing" -H "Authorization: Bearer $vendor_token"
done
checkpoint "$SOURCE_URL" >/dev/null

# 2. Continuous archiving, then the base backup, both while the vault serves.
log "WAL archive (pg_receivewal) and base backup (pg_basebackup)"
mkdir -p "$work/wal" "$work/base"
pg_receivewal -D "$work/wal" --slot=restore_drill --create-slot
pg_receivewal -D "$work/wal" --slot=restore_drill </dev/null >"$work/receivewal.log" 2>&1 &
receivewal_pid=$!
pids+=($receivewal_pid)
backup_started=$SECONDS
pg_basebackup -D "$work/base" -X stream -c fast -l "customervault restore drill" >"$work/basebackup.log" 2>&1
backup_seconds=$((SECONDS - backup_started))
backup_size="$(du -sh "$work/base" | cut -f1)"

# 3. History after the backup, up to T, and after T.
log "history after the backup, the instant T, and history after T"
seed $((CUSTOMERS / 4)) "$work/pairs-2.txt"
kept_checkpoint="$(checkpoint "$SOURCE_URL")"
sleep 1
target="$(sql "SELECT clock_timestamp()")"
events_at_target="$(sql "SELECT count(*) FROM vault.mt_events")"
access_log_at_target="$(sql "SELECT count(*) FROM vault.access_log")"
sleep 1
seed $((CUSTOMERS / 4)) "$work/pairs-3.txt"
late_checkpoint="$(checkpoint "$SOURCE_URL")"
events_at_end="$(sql "SELECT count(*) FROM vault.mt_events")"
# Close the WAL segment holding the last commits, so the archive has it whole.
sql "SELECT pg_switch_wal()" >/dev/null
sleep 2
if ! alive "$receivewal_pid"; then
  log "pg_receivewal stopped early, the archive is incomplete:"
  cat "$work/receivewal.log" >&2
  exit 1
fi
kill -INT "$receivewal_pid"
wait "$receivewal_pid" 2>/dev/null || true
for partial in "$work"/wal/*.partial; do [[ -e "$partial" ]] && mv "$partial" "${partial%.partial}"; done
stop_pid "$source_pid"   # the source vault, and its database with it

# 4. A fresh data folder: the base backup, the server's password file and the vault's keys (in Development they
#    live in the data folder; in production they come from configuration, never from the database backup).
log "restore into a fresh folder, recovering to T = $target"
restored="$work/restored"
mkdir -p "$restored/postgres"
cp -a "$work/base" "$restored/postgres/data"
cp -a "$work/source/postgres/password" "$restored/postgres/password"
cp -a "$work/source/keys" "$restored/keys"
touch "$restored/postgres/data/recovery.signal"
cat >>"$restored/postgres/data/postgresql.auto.conf" <<EOF
restore_command = 'cp "$work/wal/%f" "%p"'
recovery_target_time = '$target'
recovery_target_action = 'promote'
EOF
chmod 700 "$restored/postgres/data"
chmod -R a+rX "$work/wal"
[[ $EUID -ne 0 ]] || chown -R postgres:postgres "$restored/postgres/data"
datadirs+=("$restored/postgres/data")

# 5. The vault on the restored database: its embedded server replays the archive to T, the vault waits until the
#    server accepts writes, and then it checks what it has.
restore_started=$SECONDS
start_vault "restored vault" "$RESTORED_URL" "$work/restored.log" "Vault__DataDirectory=$restored" "ConnectionStrings__Vault="
restore_seconds=$((SECONDS - restore_started))
PGPORT="$(sed -n 4p "$restored/postgres/data/postmaster.pid")"
events_restored="$(sql "SELECT count(*) FROM vault.mt_events")"
access_log_restored="$(sql "SELECT count(*) FROM vault.access_log")"
late_present="$(sql "SELECT count(*) FROM vault.audit_checkpoints WHERE id = '$late_checkpoint'")"

verified="$(curl -sf "$RESTORED_URL/v1/audit/checkpoints/latest/verify" -H "Authorization: Bearer $(token "$RESTORED_URL" demo-auditor demo-auditor-secret)")"
cli_output="$(dotnet "$cli" audit verify --data-directory "$restored" 2>&1)" && cli_status=0 || cli_status=$?

failures=()
[[ "$events_restored" == "$events_at_target" ]] || failures+=("events: $events_restored restored, $events_at_target at T")
[[ "$access_log_restored" == "$access_log_at_target" ]] || failures+=("access log: $access_log_restored restored, $access_log_at_target at T")
[[ "$late_present" == 0 ]] || failures+=("the checkpoint made after T is in the restored database")
[[ "$(jq -r .checkpoint.id <<<"$verified")" == "$kept_checkpoint" ]] || failures+=("the latest checkpoint is not the last one before T")
[[ "$(jq -r .matches <<<"$verified")" == true ]] || failures+=("the API says the latest checkpoint does not match")
[[ "$(jq -r .signatureValid <<<"$verified")" == true ]] || failures+=("the API says the checkpoint signature is not valid")
[[ $cli_status -eq 0 ]] || failures+=("customervault audit verify exited with $cli_status")
grep -q "Chains intact" <<<"$cli_output" || failures+=("the CLI did not find every chain intact")
grep -q "Checkpoint signature valid" <<<"$cli_output" || failures+=("the CLI did not verify the checkpoint signature")

echo
echo "base backup:               $backup_size in $backup_seconds s (pg_basebackup -X stream, the vault serving)"
echo "history at T:              $events_at_target events, $access_log_at_target access log records (at the end: $events_at_end events)"
echo "restored to T:             $events_restored events, $access_log_restored access log records; vault ready $restore_seconds s after its start"
echo "API, latest checkpoint:    $(jq -c '{checkpoint: .checkpoint.id, sequence: .checkpoint.sequence, matches, signatureValid, events}' <<<"$verified")"
echo "customervault audit verify (exit $cli_status):"
sed 's/^/    /' <<<"$cli_output" | grep -v "^ *$"
if ((${#failures[@]} > 0)); then
  printf 'FAILED: %s\n' "${failures[@]}"
  exit 1
fi
echo "restore verified: every hash chain intact, the latest checkpoint before T matches and its signature is valid"
