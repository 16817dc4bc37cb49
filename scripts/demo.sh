#!/usr/bin/env bash
# The demo: builds palisade, starts the Azure DevOps simulator, connects and
# discovers its organization, starts `palisade serve`, scans every repository
# of the estate (managed scans), opens a pull request with a secret in the
# simulator and shows palisade's comments and status on it; then scans a local
# repository with planted fake secrets (examples/make-demo-repo.sh) and shows
# findings, triage and a rescan; ends with the web console (an admin user is
# created and its password printed). Everything lands in the embedded SQLite store.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v git >/dev/null || { echo "error: git is required (apt-get install git)" >&2; exit 2; }
command -v curl >/dev/null || { echo "error: curl is required (apt-get install curl)" >&2; exit 2; }
command -v python3 >/dev/null || { echo "error: python3 is required (apt-get install python3)" >&2; exit 2; }
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
# Posture was evaluated as discovery ended: settings that let attackers in, each with a reason.
step "posture: high-severity configuration failures" "$bin" posture list --failed --severity high,critical
step "why a check matters, how to fix it, what it needs to read" \
  "$bin" posture explain ado.service-connection.open-to-all-pipelines
step "accept one failure with a reason and an expiry (audited; expired exemptions stop applying)" \
  "$bin" posture exempt ado.project.public --scope contoso/Archive --reason "archived samples, public on purpose" \
  --expires 90d --author demo
step "posture scores per organization and project (severity-weighted)" "$bin" posture score
step "act on the estate: recent commits" "$bin" ado commits --repo "$ado/contoso/Web/_git/web-frontend" --top 3
step "sync health of the connector" "$bin" connector show ado-contoso
# Dependency scans match lockfiles against OSV advisories imported offline (here the small set the tests ship).
for eco in npm PyPI Maven NuGet Go crates.io; do
  "$bin" advisories import "crates/palisade-advisories/tests/fixtures/osv/$eco" >/dev/null
done
step "OSV advisories imported for dependency scans (incremental; osv.dev's all.zip works the same way)" \
  "$bin" advisories status

# Managed scans: palisade serve receives Azure DevOps service hooks and runs a worker and the scheduler.
"$bin" serve --listen 127.0.0.1:0 --cache-dir "$demo/clones" --schedule-every 5 >"$demo/serve.out" 2>"$demo/serve.log" &
serve_pid=$!
trap 'kill $serve_pid $sim_pid 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do grep -q "listening on" "$demo/serve.out" 2>/dev/null && break; sleep 0.2; done
server=$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$demo/serve.out" | head -n1)
echo "palisade server at $server"
# Someone adds a storage account that accepts plain HTTP to the Terraform repository (in the simulator).
curl -sf -X POST "$ado/_sim/orgs/contoso/projects/Infra/repos/terraform/commits" -H 'content-type: application/json' \
  -d '{"branch":"main","from_branch":"main","message":"Add a logs storage account","files":{"storage.tf":"resource \"azurerm_storage_account\" \"logs\" {\n  name                       = \"contosologs\"\n  https_traffic_only_enabled = false\n  min_tls_version            = \"TLS1_0\"\n}\n"}}' >/dev/null
step "tell palisade where Azure DevOps reaches it (service hooks deliver there)" \
  "$bin" repos settings --webhook-url "$server"
step "managed scans for every repository: full scans of all history in batches, PR scans through webhooks" \
  "$bin" repos enable --all
wait_jobs() {
  for _ in $(seq 1 300); do
    [ "$("$bin" jobs list --state queued,running --format json 2>/dev/null | tr -d '[:space:]')" = "[]" ] && return 0
    sleep 0.5
  done
  echo "jobs still running after 150 s" >&2
}
wait_jobs
step "every repository scanned, with the managed-scan label" "$bin" repos list
step "findings of the whole estate (secrets redacted; deleted ones are still in history)" "$bin" findings list
step "the same findings model holds IaC, pipeline, dependency and code findings" \
  "$bin" findings list --kind iac,dependency,code
scan_id=$("$bin" scans list --repo Infra/terraform --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
step "the log of a scan" "$bin" scans logs "$scan_id"
step "rescan: only objects new since the last scan are read" "$bin" repos scan --slots 2
step "statistics of the connector" "$bin" repos stats

# A developer opens a pull request that adds a secret: ADO calls palisade's webhook, a worker scans only
# what the PR changes, comments on the line, and sets the palisade/security status.
echo
echo "==> a developer pushes a branch with a key and a vulnerable lodash in it and opens a pull request (in the simulator)"
api="$ado/_sim/orgs/contoso/projects/Web/repos/web-frontend"
curl -sf -X POST "$api/commits" -H 'content-type: application/json' -d "{\"branch\":\"feature/cache\",\"from_branch\":\"main\",\"message\":\"Add cache settings\",\"files\":{\"config/cache.env\":\"CACHE_TTL=60\\naws_access_key_id = AKIA$(printf 'Q3EGRJ7RWHPM4N2T')\\n\",\"package-lock.json\":\"{\\n  \\\"lockfileVersion\\\": 3,\\n  \\\"packages\\\": {\\n    \\\"\\\": {\\\"name\\\": \\\"web\\\"},\\n    \\\"node_modules/lodash\\\": {\\\"version\\\": \\\"4.17.20\\\"}\\n  }\\n}\\n\"}}" >/dev/null
pr=$(curl -sf -X POST "$api/pullrequests" -H 'content-type: application/json' -d '{"source":"feature/cache","target":"main","title":"Add cache settings"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["pull_request_id"])')
sleep 1
wait_jobs
echo "==> what the pull request shows now"
PALISADE_DEMO_PAT=palisade-demo-pat-7Hq2Vx9LmC4RtB8nKz3W python3 - "$ado" "$pr" <<'PY'
import base64, json, os, sys, urllib.request
ado, pr = sys.argv[1], sys.argv[2]
auth = "Basic " + base64.b64encode((":" + os.environ["PALISADE_DEMO_PAT"]).encode()).decode()
def get(path):
    req = urllib.request.Request(f"{ado}/contoso/Web/_apis/git/repositories/web-frontend/pullRequests/{pr}/{path}?api-version=7.1",
                                 headers={"Authorization": auth, "X-TFS-FedAuthRedirect": "Suppress"})
    return json.load(urllib.request.urlopen(req))["value"]
for s in get("statuses"):
    print(f"status {s['context'].get('genre')}/{s['context']['name']}: {s['state']} - {s.get('description')}")
for t in get("threads"):
    if any(c.get("commentType") == "system" for c in t.get("comments", [])):
        continue
    where = (t.get("threadContext") or {}).get("filePath")
    line = ((t.get("threadContext") or {}).get("rightFileStart") or {}).get("line")
    print(f"\n--- thread {t['id']} ({t.get('status')}){' on ' + where + ':' + str(line) if where else ' (summary)'}")
    print(t["comments"][0]["content"])
PY

step "scan the working tree: the committed files look clean apart from one connection string" \
  "$bin" scan --no-store "$demo/repo"
step "scan every blob of every branch: deleted and unmerged secrets, with the commit that introduced each" \
  "$bin" scan --history "$demo/repo"
step "findings are kept in the store" "$bin" findings list
step "posture again: Defender's 'findings resolved' checks now read the scans" \
  "$bin" posture run
step "repositories with open secret findings" "$bin" posture list --check ado.repo.open-secret-findings
id=$("$bin" findings list --format json | python3 -c 'import json,sys; print([f["id"] for f in json.load(sys.stdin) if f["rule_id"]=="aws.access-key-id"][0])' 2>/dev/null || true)
if [ -n "$id" ]; then
  step "triage one as accepted risk" "$bin" findings triage "$id" --state accepted-risk --comment "key disabled in IAM, branch kept for audit"
fi
step "rescan: the triage survives and only open findings count" "$bin" scan --history --fail-on high "$demo/repo"
step "SARIF for code-scanning UIs" "$bin" scan --history --no-store --format sarif -o "$demo/palisade.sarif" "$demo/repo"
echo "SARIF written to $demo/palisade.sarif"
step "scan history" "$bin" scans list --limit 10

# The console: an administrator with a fresh random password, shown once here.
password=$(python3 -c 'import secrets; print(secrets.token_urlsafe(18))')
printf '%s\n' "$password" | "$bin" users add admin --role admin --password-stdin >/dev/null 2>&1 || true
cat <<MSG

==> the console
Open $server/ and sign in as admin with the password: $password
(overview, inventory, findings and triage, posture and exemptions, connectors;
the REST API is under $server/api/v1, its OpenAPI document at $server/api/v1/openapi.json)
MSG

cat <<MSG

Demo data is in $demo. Explore it with:
  export PALISADE_DATABASE_URL=$demo/palisade.db PALISADE_KEY_FILE=$demo/key
  $bin findings list
  $bin findings show <ID>
  $bin rules explain azure.devops.pat
MSG

# Keep the console up when run from a terminal; scripts and CI stop here.
if [ -t 0 ] && [ -z "${PALISADE_DEMO_EXIT:-}" ]; then
  echo
  echo "The console stays up at $server/ until you press Ctrl-C."
  wait "$serve_pid" || true
fi
