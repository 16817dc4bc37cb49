#!/usr/bin/env bash
# Fuzzes the REST API from its own OpenAPI document with schemathesis (PyPI):
# an estate in the simulator, a connector discovered, an admin token, then
# every operation (DELETE included) with generated and stateful inputs.
# Passes when no answer is a 5xx. Usage: scripts/api-fuzz.sh [max examples]
set -euo pipefail
cd "$(dirname "$0")/.."
examples=${1:-50}
work=$(mktemp -d -t palisade-fuzz.XXXXXX)
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q schemathesis
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --quiet -p palisade-cli
bin=$PWD/target/release/palisade
export PALISADE_DATABASE_URL="$work/palisade.db" PALISADE_KEY_FILE="$work/key"
"$bin" sim >"$work/sim.log" 2>&1 &
sim=$!
trap 'kill $sim ${srv:-} 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do grep -q "listening on" "$work/sim.log" 2>/dev/null && break; sleep 0.2; done
ado=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$work/sim.log" | head -n1)
echo "palisade-demo-pat-7Hq2Vx9LmC4RtB8nKz3W" |
  "$bin" connector create ado-contoso --org contoso --pat-stdin --api-url "$ado" --profile-url "$ado" --login-url "$ado" >/dev/null
"$bin" discover ado-contoso >/dev/null
python3 -c 'import secrets; print(secrets.token_urlsafe(18))' | "$bin" users add fuzz --role admin --password-stdin >/dev/null
token=$("$bin" tokens create --user fuzz --name fuzz | grep -o 'pal_[0-9a-f_]*' | head -n1)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" serve --listen "127.0.0.1:$port" --no-scheduler >"$work/serve.log" 2>&1 &
srv=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
"$work/venv/bin/schemathesis" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  -H "Authorization: Bearer $token" --checks not_a_server_error \
  --max-examples "$examples" --workers 2
