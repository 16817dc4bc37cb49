#!/usr/bin/env bash
# The demo: builds palisade, starts the Azure DevOps simulator, connects and
# discovers its organization, then creates a repository with planted fake
# secrets (examples/make-demo-repo.sh), scans its whole history into the
# embedded SQLite store, and shows the findings, triage and a rescan.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v git >/dev/null || { echo "error: git is required (apt-get install git)" >&2; exit 2; }
command -v cargo >/dev/null || { echo "error: a Rust toolchain is required (https://rustup.rs)" >&2; exit 2; }

echo "==> building palisade (release)"
cargo build --release --quiet -p palisade-cli
bin=$PWD/target/release/palisade

demo=${PALISADE_DEMO_DIR:-$(mktemp -d -t palisade-demo.XXXXXX)}
rm -rf "$demo/repo"
mkdir -p "$demo"
export PALISADE_DATABASE_URL="$demo/palisade.db" PALISADE_KEY_FILE="$demo/key"
bash examples/make-demo-repo.sh "$demo/repo" >/dev/null

step() { printf '\n==> %s\n$ %s\n' "$1" "${*:2}"; "${@:2}" || true; }

# A simulated Azure DevOps estate (two organizations, real git contents) on a loopback port.
"$bin" sim >"$demo/sim.log" 2>&1 &
sim_pid=$!
trap 'kill $sim_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do grep -q "listening on" "$demo/sim.log" 2>/dev/null && break; sleep 0.2; done
ado=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$demo/sim.log" | head -n1)
echo "ADO simulator at $ado"
# The demo PAT of the simulator's contoso fixture, passed on stdin: never on a command line.
echo palisade-demo-pat-7Hq2Vx9LmC4RtB8nKz3W | step "connect the contoso organization (the PAT is tested, then sealed)" \
  "$bin" connector create ado-contoso --org contoso --pat-stdin --api-url "$ado" --profile-url "$ado" --login-url "$ado"
step "discover the estate: projects, repos, pipelines, policies, service connections, permissions" \
  "$bin" discover ado-contoso --no-progress
step "the inventory" "$bin" inventory --kind repository,service-connection,pipeline-permission
step "act on the estate: recent commits" "$bin" ado commits --repo "$ado/contoso/Web/_git/web-frontend" --top 3
step "sync health of the connector" "$bin" connector show ado-contoso

step "scan the working tree: the committed files look clean apart from one connection string" \
  "$bin" scan --no-store "$demo/repo"
step "scan every blob of every branch: deleted and unmerged secrets, with the commit that introduced each" \
  "$bin" scan --history "$demo/repo"
step "findings are kept in the store" "$bin" findings list
id=$("$bin" findings list --format json | python3 -c 'import json,sys; print([f["id"] for f in json.load(sys.stdin) if f["rule_id"]=="aws.access-key-id"][0])' 2>/dev/null || true)
if [ -n "$id" ]; then
  step "triage one as accepted risk" "$bin" findings triage "$id" --state accepted-risk --comment "key disabled in IAM, branch kept for audit"
fi
step "rescan: the triage survives and only open findings count" "$bin" scan --history --fail-on high "$demo/repo"
step "SARIF for code-scanning UIs" "$bin" scan --history --no-store --format sarif -o "$demo/palisade.sarif" "$demo/repo"
echo "SARIF written to $demo/palisade.sarif"
step "scan history" "$bin" scans list

cat <<MSG

Demo data is in $demo. Explore it with:
  export PALISADE_DATABASE_URL=$demo/palisade.db PALISADE_KEY_FILE=$demo/key
  $bin findings list
  $bin findings show <ID>
  $bin rules explain azure.devops.pat
MSG
