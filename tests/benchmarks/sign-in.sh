#!/usr/bin/env bash
# Sign-in latency with the throttle on (its default limits), next to a bare endpoint of the same vault
# (/health/live), so the ratio shows what the password check and the throttle cost:
#   owner: the owner signs in with the right password (every request checks a PBKDF2 hash, the cost by design);
#   spray: one address sprays wrong passwords at unknown accounts: the first 20 are checked (against a stand-in
#          hash, as long as a real one), then the address waits and every further attempt is answered 429 before any hash.
#
#   tests/benchmarks/sign-in.sh                       # 2 connections, 20 s per scenario
#   CONNECTIONS=4 DURATION=30s tests/benchmarks/sign-in.sh
#
# Needs wrk (apt-get install -y wrk). Everything runs on 127.0.0.1 in a throwaway data folder; nothing is left running.
set -euo pipefail
cd "$(dirname "$0")/../.."

CONNECTIONS="${CONNECTIONS:-2}"
DURATION="${DURATION:-20s}"
API_URL="http://127.0.0.1:5094"
EMAIL="bench-$RANDOM@example.org"
PASSWORD="correct horse battery staple"

command -v wrk >/dev/null || { echo "wrk is missing (apt-get install -y wrk)" >&2; exit 1; }
BENCHMARK=sign-in source tests/benchmarks/vault.sh
build_release
start_vault "$API_URL"

# form PAGE JAR: the antiforgery token of the page's form (its cookie lands in JAR).
form() { curl -sf -c "$2" -b "$2" "$API_URL$1" | grep -o 'name="__RequestVerificationToken" type="hidden" value="[^"]*"' | sed 's/.*value="//; s/"$//'; }

echo "== sign up $EMAIL"
token="$(form /account/sign-up "$work/signup.jar")"
status="$(curl -s -o /dev/null -w '%{http_code}' -b "$work/signup.jar" --data-urlencode "Email=$EMAIL" --data-urlencode "Password=$PASSWORD" \
  --data-urlencode "ConfirmPassword=$PASSWORD" --data-urlencode "__RequestVerificationToken=$token" "$API_URL/account/sign-up")"
[[ "$status" == 302 ]] || { echo "sign-up answered $status" >&2; exit 1; }

token="$(form /account/sign-in "$work/signin.jar")"
cookie="$(awk '$6 ~ /Antiforgery/ {print $6 "=" $7}' "$work/signin.jar")"
# sign_ins EMAIL PASSWORD DURATION [wrk options]: the form posted by wrk; EMAIL=random tries a new unknown account each time.
sign_ins() { COOKIE="$cookie" TOKEN="$token" EMAIL="$1" PASSWORD="$2" run wrk -t1 -c"$CONNECTIONS" -d"$3" "${@:4}" -s tests/benchmarks/sign-in.lua "$API_URL"; }

echo "== warm up"
sign_ins "$EMAIL" "$PASSWORD" 5s >/dev/null

echo "== owner: the right password, $CONNECTIONS connections, $DURATION"
sign_ins "$EMAIL" "$PASSWORD" "$DURATION" --latency | tee "$work/owner.txt"

echo "== spray: one address, wrong passwords, unknown accounts, $CONNECTIONS connections, $DURATION"
sign_ins random "not the password" "$DURATION" --latency | tee "$work/spray.txt"

echo "== bare: /health/live of the same vault, $CONNECTIONS connections, $DURATION"
run wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$API_URL/health/live" | tee "$work/bare.txt"

echo
echo "== summary ($(nproc) cores, load $(load_average), $CONNECTIONS connections)"
bare99="$(wrk_ms "$work/bare.txt" 99%)"
for scenario in owner spray bare; do
  p50="$(wrk_ms "$work/$scenario.txt" 50%)"
  p99="$(wrk_ms "$work/$scenario.txt" 99%)"
  printf '%-6s p50 %8s ms  p99 %8s ms  (%6.1f x bare p99)  %6s req/s  %6s of %6s answered 4xx/5xx\n' "$scenario" "$p50" "$p99" \
    "$(bc -l <<<"$p99 / $bare99")" "$(wrk_rate "$work/$scenario.txt")" "$(wrk_non2xx "$work/$scenario.txt")" "$(wrk_requests "$work/$scenario.txt")"
  result "sign_in_${scenario}_p99_ms" "$p99"
done
