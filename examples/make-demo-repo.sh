#!/usr/bin/env bash
# Builds the demo repository: a small service whose history holds planted
# FAKE secrets (none of them is or was a real credential).
#   - an Azure Storage connection string in appsettings.json (still present)
#   - an Azure DevOps PAT in the pipeline, removed in a later commit (history only)
#   - a .env file with a database password, deleted later (history only)
#   - AWS keys in a deploy script on a feature branch that was never merged
#   - a test fixture key silenced by palisade.toml's allowlist
#   - a line silenced inline with `palisade:ignore`
# Usage: make-demo-repo.sh DIR   (DIR must not exist)
set -euo pipefail
dir=${1:?usage: make-demo-repo.sh DIR}
[ -e "$dir" ] && { echo "error: $dir already exists" >&2; exit 2; }

export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
commit() { # date author email message
  GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1" GIT_AUTHOR_NAME="$2" GIT_COMMITTER_NAME="$2" \
  GIT_AUTHOR_EMAIL="$3" GIT_COMMITTER_EMAIL="$3" git commit -q -m "$4"
}

mkdir -p "$dir" && cd "$dir"
git init -q -b main

mkdir -p src config tests/fixtures
cat > README.md <<'MD'
# orders-service
Takes orders, stores them in Azure Blob Storage.
MD
cat > src/app.py <<'PY'
import os

def storage_url():
    return os.environ["STORAGE_URL"]
PY
cat > config/appsettings.json <<'JSON'
{
  "Logging": { "LogLevel": { "Default": "Information" } },
  "Storage": {
    "ConnectionString": "DefaultEndpointsProtocol=https;AccountName=ordersprod;AccountKey=hp6ZQByoyv1xiQfY75lfYPHlV9ARQIQ+23mtU5aAqs5f351rCc5yFv4kcjAeqg/J7Xhn+GV/zauFnIsLoqm1bQ==;EndpointSuffix=core.windows.net"
  }
}
JSON
git add -A && commit "2024-01-08T09:12:00Z" "Alice Martin" "alice@contoso.example" "Initial service"

cat > .env <<'ENV'
DB_HOST=orders-db.internal
DB_USER=orders
DB_PASSWORD=RT#L#K4kxegm7L
ENV
git add -A && commit "2024-01-15T16:40:00Z" "Bob Chen" "bob@contoso.example" "Local settings"

cat > azure-pipelines.yml <<'YML'
trigger: [main]
pool: { vmImage: ubuntu-latest }
steps:
  - script: |
      git clone https://build:WK59PFkl0JfI2yyVlbPegBPrUhRZdsvDQuc8dWrdE03WKpm15UELJQQJ99hLOuZAzHx4LP4AzUdIAZDOG1OH@dev.azure.com/contoso/orders/_git/shared-lib
    displayName: Fetch shared library
YML
git add -A && commit "2024-02-02T11:05:00Z" "Bob Chen" "bob@contoso.example" "Add CI pipeline"

# "Fix" the leaks the way people do: delete the lines. History keeps them.
git rm -q .env
echo ".env" > .gitignore
sed -i 's#https://build:[^@]*@#https://#' azure-pipelines.yml
git add -A && commit "2024-02-03T08:30:00Z" "Alice Martin" "alice@contoso.example" "Remove credentials"

# A fixture with a fake key, silenced by hash in palisade.toml.
cat > tests/fixtures/github.txt <<'TXT'
token=ghp_ZuDMjJxyZLLKcgTAOGSf9uih4vmuGMGKAuWf
TXT
cat > palisade.toml <<TOML
[allowlist]
# The fake token in tests/fixtures/github.txt (printf '%s' VALUE | sha256sum).
secrets = ["sha256:$(printf '%s' 'ghp_ZuDMjJxyZLLKcgTAOGSf9uih4vmuGMGKAuWf' | sha256sum | cut -d' ' -f1)"]
TOML
cat > src/notify.py <<'PY'
# Documented sample token from the vendor's docs, not a credential.
SLACK_SAMPLE = "xoxb-100778275840-0937206626436-AZdyhWYNfZwRJhyj5PzSJxkK"  # palisade:ignore
PY
git add -A && commit "2024-02-10T14:00:00Z" "Carol Diaz" "carol@contoso.example" "Tests and notifications"

# A feature branch, never merged, with AWS keys.
git checkout -q -b feature/s3-export
cat > deploy.sh <<'SH'
#!/bin/sh
export AWS_ACCESS_KEY_ID=AKIAPBMSDFRN3HHY3NSB
export AWS_SECRET_ACCESS_KEY=L1rxIu4sHSC/GUMEPYZNFeHFXlwDpvt1lYmzB5Uv
aws s3 sync ./exports s3://orders-exports
SH
git add -A && commit "2024-03-01T10:20:00Z" "Dan Okafor" "dan@contoso.example" "Export orders to S3"
git checkout -q main
echo "demo repository ready at $dir"
