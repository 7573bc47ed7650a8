#!/usr/bin/env bash
# The SQL statements each path sends to PostgreSQL: ten requests of each path one after another, with every
# statement logged (log_statement = all) while they run, then counted by kind. A round trip saved is worth more
# than a faster statement on these paths; this shows where they go. Reads are logged in groups by the access log, so
# one at a time each read has a group of its own. Background work shows up too (the webhook dispatcher's poll and
# its ROLLBACK).
#
#   tests/benchmarks/statements.sh                    # read, request, approve, narrow, revoke, grant
#   PATHS="approve" tests/benchmarks/statements.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

PATHS="${PATHS:-read request approve narrow revoke grant}"
REQUESTS=10
API_URL="http://127.0.0.1:5092"

BENCHMARK=statements source tests/benchmarks/vault.sh
build_release
start_vault "$API_URL" Vault__Tokens__AccessTokenLifetime=01:00:00
use_vault_database
run "${seeder[@]}" seed-vendor-reads --api "$seed_api" --data-directory "$work" --vendors 5 --vendors-file "$work/vendors.txt" \
  --customers 50 --grants-per-customer 2 --out "$work/read.txt" >/dev/null 2>&1
run "${seeder[@]}" seed-writes --api "$seed_api" --data-directory "$work" --vendors 5 --customers 3 --request-targets 50 --items 60 \
  --out-dir "$work" >/dev/null 2>&1
cut -d' ' -f2 "$work/vendors.txt" >"$work/read-tokens.txt"
log="$work/postgres/data/server.log"

# send PATH LINE: one request of the path for a work item line ("token-line id [expires-at]").
send() {
  local token id extra
  read -r token id extra <<<"$2"
  token="$(sed -n "${token}p" "$tokens")"
  local call=(curl -s -o /dev/null -w '%{http_code} ' -H "Authorization: Bearer $token" -H 'Content-Type: application/json')
  case "$1" in
    read) "${call[@]}" "$API_URL/v1/customers/$id/profile?purpose=marketing" ;;
    request) "${call[@]}" -d "{\"customerId\":\"$id\",\"scopes\":[\"email\"],\"purpose\":\"marketing\",\"description\":\"Benchmark\",\"duration\":\"P6M\"}" "$API_URL/v1/access-requests" ;;
    approve) "${call[@]}" -d '{}' "$API_URL/v1/me/access-requests/$id/approve" ;;
    narrow) "${call[@]}" -d '{"removeScopes":["phone"]}' "$API_URL/v1/me/grants/$id/narrow" ;;
    revoke) "${call[@]}" -d '{}' "$API_URL/v1/me/grants/$id/revoke" ;;
    grant) "${call[@]}" -d "{\"vendorId\":\"$id\",\"scopes\":[\"email\"],\"purpose\":\"service-delivery\",\"description\":\"Benchmark\",\"expiresAt\":\"$extra\"}" "$API_URL/v1/me/grants" ;;
  esac
}

for path in $PATHS; do
  case "$path" in
    read) items=read tokens="$work/read-tokens.txt" ;;
    request) items=request tokens="$work/vendor-tokens.txt" ;;
    approve) items=approve tokens="$work/customer-tokens.txt" ;;
    narrow | revoke) items=grants tokens="$work/customer-tokens.txt" ;;
    grant) items=grant tokens="$work/customer-tokens.txt" ;;
    *) echo "unknown path $path" >&2; exit 2 ;;
  esac
  # Two requests first, so that statements are prepared and caches filled as they are under load; then the logged ten.
  echo "== $path: $REQUESTS requests"
  for line in 1 2; do send "$path" "$(sed -n "${line}p" "$work/$items.txt")" >/dev/null; done
  psql -d postgres -qc "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
  sleep 1
  first=$(($(wc -l <"$log") + 1))
  printf 'answers: '
  for line in $(seq 3 $((REQUESTS + 2))); do send "$path" "$(sed -n "${line}p" "$work/$items.txt")"; done
  echo
  sleep 1 # the access log is written in groups, a moment later
  psql -d postgres -qc "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
  statements="$(tail -n +"$first" "$log" | grep -E 'LOG:  (statement|execute)' | grep -v -E 'pg_reload_conf|ALTER SYSTEM|webhook_outbox o' || true)"
  printf '%s statements for %s requests:\n' "$(grep -c . <<<"$statements")" "$REQUESTS"
  sed -E 's/.*LOG:  (statement|execute [^:]*): //; s/^(.{110}).*/\1.../' <<<"$statements" | sort | uniq -c | sort -rn
  result "statements.$path" "$(grep -c . <<<"$statements")"
done
