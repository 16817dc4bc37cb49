#!/usr/bin/env bash
# Secrets-scanning benchmark: palisade vs Kingfisher, ripsecrets, detect-secrets and rg.
# Usage: bench/secrets.sh            (CORPUS_MB=300 N_SECRETS=200 RUNS=3 by default)
#        CORPUS_MB=50 RUNS=1 bench/secrets.sh
#        SKIP_CORPUS=1 bench/secrets.sh   (reuse bench/work/corpus + planted.json)
#        TOOLS=palisade,kingfisher bench/secrets.sh
# See bench/README.md. Everything it writes goes under bench/work/ (git-ignored).
set -uo pipefail

BENCH="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(dirname "$BENCH")"
WORK="$BENCH/work"
TOOLS="$WORK/tools"
PY="${PYTHON:-python3}"
export CORPUS_MB="${CORPUS_MB:-300}" N_SECRETS="${N_SECRETS:-200}" RUNS="${RUNS:-3}"
mkdir -p "$TOOLS" "$WORK/out"

log() { printf '\n== %s\n' "$*"; }

# ---------------------------------------------------------------- tools
log "installing peers (if missing) into $TOOLS"
APT_UPDATED=0
apt_install() { # apt_install PKG
  if [ "$APT_UPDATED" = 0 ]; then apt-get update -qq >/dev/null 2>&1 || true; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1
}
command -v rg >/dev/null 2>&1 || apt_install ripgrep || echo "rg: install FAILED"
[ -x /usr/bin/time ] || apt_install time || echo "/usr/bin/time: install FAILED (needed for RSS)"

if [ ! -x "$TOOLS/kingfisher-venv/bin/kingfisher" ]; then
  { "$PY" -m venv "$TOOLS/kingfisher-venv" && "$TOOLS/kingfisher-venv/bin/pip" install -q kingfisher-bin; } \
    >"$TOOLS/kingfisher-install.log" 2>&1 || echo "kingfisher: install FAILED (see $TOOLS/kingfisher-install.log)"
fi
if [ ! -x "$TOOLS/ds-venv/bin/detect-secrets" ]; then
  { "$PY" -m venv "$TOOLS/ds-venv" && "$TOOLS/ds-venv/bin/pip" install -q detect-secrets; } \
    >"$TOOLS/detect-secrets-install.log" 2>&1 || echo "detect-secrets: install FAILED (see $TOOLS/detect-secrets-install.log)"
fi
if [ ! -x "$TOOLS/bin/ripsecrets" ]; then
  cargo install ripsecrets --locked --root "$TOOLS" >"$TOOLS/ripsecrets-install.log" 2>&1 \
    || echo "ripsecrets: install FAILED (see $TOOLS/ripsecrets-install.log)"
fi
echo "not installable here (no network beyond crates.io/PyPI/npm/Debian): gitleaks, trufflehog, Nosey Parker"
for t in "$TOOLS/kingfisher-venv/bin/kingfisher" "$TOOLS/bin/ripsecrets" "$TOOLS/ds-venv/bin/detect-secrets" "$(command -v rg)"; do
  [ -x "$t" ] && printf '  %-60s %s\n' "$t" "$("$t" --version 2>/dev/null | head -1)"
done

# ---------------------------------------------------------------- palisade
log "building palisade (release)"
[ "${SKIP_BUILD:-0}" = 1 ] || (cd "$REPO" && cargo build --release -q -p palisade-cli) || { echo "palisade build FAILED"; }
PALISADE="$REPO/target/release/palisade"
[ -x "$PALISADE" ] && "$PALISADE" --version
# PALISADE_KEY_FILE=$WORK/key is created by palisade on first use

# ---------------------------------------------------------------- corpus, plant, run
if [ "${SKIP_CORPUS:-0}" != 1 ] || [ ! -f "$WORK/planted.json" ]; then
  log "building the corpus (CORPUS_MB=$CORPUS_MB) and planting $N_SECRETS secrets"
  "$PY" "$BENCH/secrets_bench.py" corpus || exit 1
  "$PY" "$BENCH/secrets_bench.py" plant || exit 1
fi
log "running (RUNS=$RUNS; timings are noisy on this 2-core machine)"
"$PY" "$BENCH/secrets_bench.py" run
