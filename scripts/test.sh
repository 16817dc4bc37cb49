#!/usr/bin/env bash
# The test command (README): installs what the tests need on a fresh machine,
# then runs format, lint and the whole test suite on SQLite and PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# git: the history tests drive the real git CLI.
if ! command -v git >/dev/null; then
  as_root apt-get update -qq && as_root apt-get install -y -qq git
fi
# Chromium and chromedriver: the console's browser tests drive them, and may not be skipped.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  as_root apt-get update -qq && as_root apt-get install -y -qq chromium chromium-driver
fi
# cargo-nextest runs the suites.
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi
rustup component add rustfmt clippy >/dev/null 2>&1 || true

# PostgreSQL: the store suite runs every story on it too, and may not be skipped.
export PALISADE_TEST_POSTGRES_URL=${PALISADE_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}
if ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  if ! command -v pg_ctlcluster >/dev/null; then
    as_root apt-get update -qq && as_root apt-get install -y -qq postgresql
  fi
  ver=$(ls /etc/postgresql | sort -V | tail -n1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start
  for _ in $(seq 1 30); do (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null && break; sleep 1; done
  # A fresh cluster has no `test` database and uses peer auth over sockets only.
  as_root su postgres -c "psql -tAc \"SELECT 1 FROM pg_database WHERE datname='test'\" | grep -q 1 || createdb test" || true
fi

echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy --all-targets -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "==> dependency direction: no async runtime or database below the store crates"
for crate in palisade-domain palisade-vault palisade-secrets palisade-git palisade-scanner palisade-report palisade-advisories palisade-manifests palisade-iac palisade-workflows palisade-sast palisade-posture palisade-auth; do
  if cargo tree -q -e normal -p "$crate" --prefix none | grep -E '^(tokio|sqlx|axum|reqwest) ' >/dev/null; then
    echo "error: $crate depends on an async runtime or a database crate" >&2
    cargo tree -q -e normal -p "$crate" -i tokio >&2 || true
    exit 1
  fi
done
echo "==> dependency direction: only the CLI names a concrete store backend"
for crate in palisade-engine palisade-server palisade-discovery palisade-ado; do
  if cargo tree -q -e normal -p "$crate" --prefix none | grep -E '^palisade-store-(sqlite|postgres) ' >/dev/null; then
    echo "error: $crate depends on a concrete store backend; use the Store trait" >&2
    exit 1
  fi
done
# Doc tests first: nextest's summary should be the run's closing line.
echo "==> doc tests"
cargo test --workspace --doc --quiet
echo "==> cargo nextest run"
cargo nextest run --workspace --no-fail-fast
