#!/usr/bin/env bash
# Gets a customer's tokens from a running vault with curl alone, the way an app would:
# authorization code + PKCE (S256), signing the customer up first when asked.
#
#   samples/customer-token.sh ada@example.org 'a long passphrase' --sign-up   # new account
#   samples/customer-token.sh ada@example.org 'a long passphrase'             # existing account
#
# Prints the token response (JSON). VAULT_URL defaults to http://localhost:5080; the client is the
# Development demo app (vault-customer-app), whose registered redirect URI is used but never called.
set -euo pipefail

email="${1:?usage: $0 EMAIL PASSWORD [--sign-up]}"
password="${2:?usage: $0 EMAIL PASSWORD [--sign-up]}"
mode="${3:-}"
base="${VAULT_URL:-http://localhost:5080}"
client_id="${VAULT_CLIENT_ID:-vault-customer-app}"
redirect_uri="${VAULT_REDIRECT_URI:-http://127.0.0.1:5081/callback}"
scope="${VAULT_SCOPE:-openid offline_access vault.profile vault.consents}"

jar="$(mktemp)"
trap 'rm -f "$jar"' EXIT

urlencode() {
  local s="$1" out="" c i
  for ((i = 0; i < ${#s}; i++)); do
    c="${s:i:1}"
    case "$c" in [a-zA-Z0-9._~-]) out+="$c" ;; *) printf -v c '%%%02X' "'$c"; out+="$c" ;; esac
  done
  printf '%s' "$out"
}
urldecode() { local s="${1//+/ }"; printf '%b' "${s//%/\\x}"; }
antiforgery() { sed -n 's/.*name="__RequestVerificationToken" type="hidden" value="\([^"]*\)".*/\1/p' | head -n1; }

# PKCE: a random verifier and its S256 challenge.
verifier="$(openssl rand -base64 48 | tr -d '=+/\n' | cut -c1-64)"
challenge="$(printf '%s' "$verifier" | openssl dgst -sha256 -binary | openssl base64 -A | tr '+/' '-_' | tr -d '=')"

# Sign up or sign in through the vault's own pages (the cookie jar plays the browser).
page="/account/sign-in"
[[ "$mode" == "--sign-up" ]] && page="/account/sign-up"
token="$(curl -sf -c "$jar" -b "$jar" "$base$page" | antiforgery)"
form=(--data-urlencode "Email=$email" --data-urlencode "Password=$password" --data-urlencode "__RequestVerificationToken=$token")
[[ "$mode" == "--sign-up" ]] && form+=(--data-urlencode "ConfirmPassword=$password")
status="$(curl -s -o /dev/null -w '%{http_code}' -c "$jar" -b "$jar" "${form[@]}" "$base$page")"
if [[ "$status" != "302" ]]; then
  case "$status" in
    429) echo "Too many attempts from this address: wait and try again (the answer's Retry-After says how long)." >&2 ;;
    *) echo "Signing in failed (HTTP $status): a wrong e-mail or password, an address that already has an account, or a password shorter than 12 characters." >&2 ;;
  esac
  exit 1
fi

# Authorize: the vault answers with a redirect to the app, carrying the code.
location="$(curl -s -o /dev/null -w '%{redirect_url}' -c "$jar" -b "$jar" \
  "$base/connect/authorize?client_id=$client_id&response_type=code&redirect_uri=$(urlencode "$redirect_uri")&scope=$(urlencode "$scope")&state=sample&code_challenge=$challenge&code_challenge_method=S256")"
code="$(sed -n 's/.*[?&]code=\([^&]*\).*/\1/p' <<<"$location")"
if [[ -z "$code" ]]; then
  echo "No authorization code came back: $location" >&2
  exit 1
fi

# Exchange the code (and the verifier) for tokens.
curl -sf "$base/connect/token" \
  -d grant_type=authorization_code -d client_id="$client_id" \
  --data-urlencode "code=$(urldecode "$code")" \
  --data-urlencode "redirect_uri=$redirect_uri" -d code_verifier="$verifier"
echo
