#!/usr/bin/env bash
# Sign-in latency with the throttle on (its default limits), next to a bare endpoint of the same vault
# (/health/live), so the ratio shows what the password check and the throttle cost.
#   1. the owner signs in with the right password (every request checks a PBKDF2 hash);
#   2. one address sprays wrong passwords at unknown accounts: the first 20 are checked (against a stand-in hash),
#      then the address waits and every further attempt is answered 429 before any hash.
#
#   tests/benchmarks/sign-in.sh                  # 2 connections, 20 s each
#   CONNECTIONS=4 DURATION=30s tests/benchmarks/sign-in.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

CONNECTIONS="${CONNECTIONS:-2}"
DURATION="${DURATION:-20s}"
API_URL="http://127.0.0.1:5096"
EMAIL="bench-$RANDOM@example.org"
PASSWORD="correct horse battery staple"

command -v wrk >/dev/null || { echo "wrk is missing (apt-get install -y wrk)" >&2; exit 1; }
BENCHMARK=sign-in source tests/benchmarks/vault.sh

echo "== build (Release)"
dotnet build -c Release -v quiet -nologo src/CustomerVault.Api >/dev/null
start_vault "$API_URL"

# form PAGE JAR: the page's antiforgery token (its cookie lands in JAR)
form() { curl -sf -c "$2" -b "$2" "$API_URL$1" | grep -o 'name="__RequestVerificationToken" type="hidden" value="[^"]*"' | sed 's/.*value="//; s/"$//'; }

echo "== sign up $EMAIL"
token="$(form /account/sign-up "$work/signup.jar")"
status="$(curl -s -o /dev/null -w '%{http_code}' -b "$work/signup.jar" --data-urlencode "Email=$EMAIL" --data-urlencode "Password=$PASSWORD" \
  --data-urlencode "ConfirmPassword=$PASSWORD" --data-urlencode "__RequestVerificationToken=$token" "$API_URL/account/sign-up")"
[[ "$status" == 302 ]] || { echo "sign-up answered $status" >&2; exit 1; }

token="$(form /account/sign-in "$work/signin.jar")"
cookie="$(awk '$6 ~ /Antiforgery/ {print $6 "=" $7}' "$work/signin.jar")"
run() { COOKIE="$cookie" TOKEN="$token" EMAIL="$1" PASSWORD="$2" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s tests/benchmarks/sign-in.lua "$API_URL" | tee "$3"; }

echo "== warm up"
COOKIE="$cookie" TOKEN="$token" EMAIL="$EMAIL" PASSWORD="$PASSWORD" wrk -t1 -c"$CONNECTIONS" -d5s -s tests/benchmarks/sign-in.lua "$API_URL" >/dev/null

echo "== the owner signs in: $CONNECTIONS connections, $DURATION"
run "$EMAIL" "$PASSWORD" "$work/owner.txt"

echo "== one address, wrong passwords, unknown accounts: $CONNECTIONS connections, $DURATION"
run random "not the password" "$work/spray.txt"

echo "== bare endpoint of the same vault (/health/live): $CONNECTIONS connections, $DURATION"
wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$API_URL/health/live" | tee "$work/bare.txt"

p() { awk -v q="$2" '$1 == q {print $2}' "$1"; }
ms() { awk '{ v = $1; if (v ~ /us$/) { sub(/us$/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms$/, "", v) } else if (v ~ /s$/) { sub(/s$/, "", v); v *= 1000 } printf "%.2f", v }' <<<"$1"; }
rate() { awk '/Requests\/sec/ {print $2}' "$1"; }
echo
echo "== summary ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), $CONNECTIONS connections)"
bare99="$(ms "$(p "$work/bare.txt" 99%)")"
for scenario in owner spray bare; do
  p50="$(ms "$(p "$work/$scenario.txt" 50%)")"; p99="$(ms "$(p "$work/$scenario.txt" 99%)")"
  printf '%-6s p50 %8s ms  p99 %8s ms  (%6.1f x bare p99)  %8s req/s  %s\n' "$scenario" "$p50" "$p99" "$(bc -l <<<"$p99 / $bare99")" \
    "$(rate "$work/$scenario.txt")" "$(grep -o 'Non-2xx or 3xx responses: [0-9]*' "$work/$scenario.txt" || echo 'all 2xx/3xx')"
done
