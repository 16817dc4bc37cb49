#!/usr/bin/env python3
"""Secrets-scanning benchmark helper for palisade (stdlib only, Python 3.11).

Sub-commands (bench/secrets.sh calls them in order; `all` does everything):
  corpus   build the deterministic corpus of real source text in bench/work/corpus
  plant    plant seeded synthetic secrets, write bench/work/planted.json
  run      time every tool, score it against planted.json, print the table,
           write bench/work/results.json
  all      corpus + plant + run

Environment knobs: CORPUS_MB (300), N_SECRETS (200), SEED (20240611), RUNS (3),
SLOW_BUDGET_S (120: target seconds for one run of a slow peer on its subset),
RIPSECRETS_MAX_S (600: above this estimated full-corpus time ripsecrets runs on
a prefix subset), TOOLS (comma list to restrict which tools run).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import os
import random
import re
import shutil
import statistics
import string
import subprocess
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORK = BENCH / "work"
CORPUS = WORK / "corpus"
TOOLS_DIR = WORK / "tools"
OUT = WORK / "out"
PLANTED = WORK / "planted.json"
MANIFEST = WORK / "corpus-manifest.txt"
RESULTS = WORK / "results.json"
PALISADE = Path(os.environ.get("PALISADE_BIN", REPO / "target" / "release" / "palisade"))
MB = 1 << 20

# --------------------------------------------------------------------------- corpus

MAX_FILE = 4 * MB
SKIP_DIRS = {"__pycache__", ".git", ".hg", ".svn", "site-packages", "node_modules"}
# ignore files would make tools that honour them (palisade, ripsecrets, rg) skip
# parts of the corpus that others scan; palisade.toml would configure palisade.
SKIP_NAMES = {".gitignore", ".ignore", ".rgignore", ".secrets.baseline", "palisade.toml",
              ".gitleaksignore", ".kingfisherignore", ".gitattributes"}


def corpus_sources() -> list[tuple[str, Path, float]]:
    """(label, root, share of the budget) in the order they are taken."""
    try:
        import sysconfig
        stdlib = Path(sysconfig.get_paths()["stdlib"])
    except Exception:  # pragma: no cover
        stdlib = Path("/root/.pyenv/versions/3.11.7/lib/python3.11")
    srcs: list[tuple[str, Path, float]] = []
    reg = Path.home() / ".cargo" / "registry" / "src"
    if reg.is_dir():
        for i, d in enumerate(sorted(reg.iterdir())):
            srcs.append((f"cargo{i}", d, 0.45 if i == 0 else 0.0))
    srcs += [
        ("pystdlib", stdlib, 0.15),
        ("usr-include", Path("/usr/include"), 0.20),
        ("usr-share", Path("/usr/share"), 0.15),
        ("dist-packages", Path("/usr/lib/python3/dist-packages"), 0.05),
        ("rust-share", Path.home() / ".rustup" / "toolchains", 0.0),
    ]
    return [s for s in srcs if s[1].is_dir()]


def walk_text_files(root: Path):
    """Yield (path, size) of text files under root, in sorted order, deterministic."""
    excluded = [REPO.resolve(), WORK.resolve()]
    for dirpath, dirnames, filenames in os.walk(root):
        dp = Path(dirpath)
        try:
            rdp = dp.resolve()
        except OSError:
            dirnames[:] = []
            continue
        if any(rdp == e or e in rdp.parents for e in excluded):
            dirnames[:] = []
            continue
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        for f in sorted(filenames):
            if f in SKIP_NAMES:
                continue
            p = dp / f
            try:
                if p.is_symlink() or not p.is_file():
                    continue
                size = p.stat().st_size
                if size == 0 or size > MAX_FILE:
                    continue
                with open(p, "rb") as fh:
                    head = fh.read(8192)
            except OSError:
                continue
            if b"\0" in head:
                continue
            try:
                head.decode("utf-8")
            except UnicodeDecodeError as e:
                if e.start < len(head) - 4:  # not just a cut multi-byte char
                    continue
            yield p, size


def build_corpus(budget_mb: int) -> None:
    budget = budget_mb * MB
    if CORPUS.exists():
        shutil.rmtree(CORPUS)
    CORPUS.mkdir(parents=True)
    sources = corpus_sources()
    iters = {label: walk_text_files(root) for label, root, _ in sources}
    total = 0
    manifest: list[str] = []

    def take(label: str, root: Path, cap: int) -> int:
        nonlocal total
        got = 0
        for p, size in iters[label]:
            if total + size > budget:
                # skip files that overflow; smaller ones may still fit
                continue
            rel = p.relative_to(root)
            dst = CORPUS / label / rel
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(p, dst)
            manifest.append(f"{label}/{rel}\t{size}")
            total += size
            got += size
            if got >= cap or total >= budget - 4096:
                break
        return got

    for label, root, share in sources:  # first pass: each source up to its share
        if share > 0:
            take(label, root, int(budget * share))
    for label, root, _ in sources:  # second pass: fill the rest in source order
        if total >= budget - 4096:
            break
        take(label, root, budget - total)
    MANIFEST.write_text("\n".join(manifest) + "\n")
    (WORK / ".corpus-state").write_text("fresh\n")
    by_src = Counter()
    for line in manifest:
        name, size = line.split("\t")
        by_src[name.split("/", 1)[0]] += int(size)
    digest = hashlib.sha256("\n".join(manifest).encode()).hexdigest()[:16]
    print(f"corpus: {len(manifest)} files, {total / MB:.1f} MB in {CORPUS} (manifest sha256 {digest})")
    for k, v in by_src.items():
        print(f"  {k:14s} {v / MB:7.1f} MB")


# --------------------------------------------------------------------------- planting

PLACEHOLDER_WORDS = ["example", "test", "fake", "dummy", "sample", "xxx", "changeme", "change",
                     "placeholder", "todo", "fixme", "lorem", "foobar", "redacted", "notreal",
                     "your", "insert", "replace", "secret", "password", "token", "demo", "mock",
                     "0000", "1234", "abcd", "aaaa"]
ALNUM = string.ascii_letters + string.digits
B64 = ALNUM + "+/"
B64URL = ALNUM + "-_"
HEX = "0123456789abcdef"
B32L = "abcdefghijklmnopqrstuvwxyz234567"


def entropy(s: str) -> float:
    c = Counter(s)
    n = len(s)
    return -sum(v / n * math.log2(v / n) for v in c.values())


class Gen:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.seen: set[str] = set()

    def s(self, alphabet: str, n: int) -> str:
        while True:
            v = "".join(self.rng.choice(alphabet) for _ in range(n))
            low = v.lower()
            if any(w in low for w in PLACEHOLDER_WORDS) or any(ch * 4 in v for ch in set(v)):
                continue
            if n >= 8 and entropy(v) < min(3.0, math.log2(len(alphabet)) - 0.5):
                continue
            if alphabet == ALNUM and n >= 12 and not (any(c.isdigit() for c in v) and any(c.isupper() for c in v)
                                                      and any(c.islower() for c in v)):
                continue
            if v in self.seen:
                continue
            self.seen.add(v)
            return v

    def digits(self, n: int) -> str:
        return str(self.rng.randint(1, 9)) + self.s("0123456789", n - 1)

    def password(self, n: int = 16) -> str:
        while True:
            v = self.s(ALNUM, n - 2) + self.rng.choice("!*_-.~") + self.rng.choice(string.digits)
            if v[0].isalpha():
                return v


def b64url_nopad(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


# Each format: id, palisade rule expected (None = no rule in palisade), where it may go
# ("new" files only, or "any" = new file or a line appended to an existing corpus file),
# and a generator returning (lines, [(line index, secret)], suggested new-file names).
def fmt_github_classic(g: Gen):
    t = "ghp_" + g.s(ALNUM, 36)
    line = g.rng.choice([f'GITHUB_TOKEN = "{t}"', f"export GH_TOKEN={t}", f"    github_token: {t}",
                         f'let token = "{t}";'])
    return [line], [(0, t)], ["deploy.sh", "ci_config.yml", "publish.py"]


def fmt_github_fine(g: Gen):
    t = "github_pat_" + g.s(ALNUM, 22) + "_" + g.s(ALNUM, 59)
    line = g.rng.choice([f"GH_TOKEN={t}", f'    "token": "{t}",', f"gh_pat = '{t}'"])
    return [line], [(0, t)], ["release.env.sh", "gh_settings.json", "sync_repos.py"]


def fmt_aws_pair(g: Gen):
    kid = g.rng.choice(["AKIA", "AKIA", "ASIA"]) + g.s("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
    sec = g.s(B64, 40)
    lines = ["[default]", f"aws_access_key_id = {kid}", f"aws_secret_access_key = {sec}", "region = eu-west-1"]
    return lines, [(1, kid), (2, sec)], ["credentials", "aws_credentials", "boto.cfg"]


def fmt_aws_code(g: Gen):
    kid = "AKIA" + g.s("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)
    sec = g.s(B64, 40)
    lines = [f'AWS_ACCESS_KEY_ID = "{kid}"', f'AWS_SECRET_ACCESS_KEY = "{sec}"']
    return lines, [(0, kid), (1, sec)], ["aws_upload.py", "s3_settings.py"]


def fmt_slack_bot(g: Gen):
    t = f"xoxb-{g.digits(12)}-{g.digits(13)}-{g.s(ALNUM, 24)}"
    line = g.rng.choice([f"SLACK_BOT_TOKEN={t}", f'slack_token = "{t}"', f"  bot_token: {t}"])
    return [line], [(0, t)], ["slack_notify.py", "bot.yaml"]


def fmt_slack_webhook(g: Gen):
    t = f"https://hooks.slack.com/services/T{g.s(string.ascii_uppercase + string.digits, 10)}/B{g.s(string.ascii_uppercase + string.digits, 10)}/{g.s(ALNUM, 24)}"
    return [f'WEBHOOK_URL = "{t}"'], [(0, t)], ["alerts.py", "notify.cfg"]


def fmt_stripe(g: Gen):
    t = "sk_live_" + g.s(ALNUM, g.rng.choice([24, 99]))
    line = g.rng.choice([f'stripe.api_key = "{t}"', f"STRIPE_SECRET_KEY={t}", f'    "stripe_key": "{t}",'])
    return [line], [(0, t)], ["billing.py", "payments.json"]


def fmt_gitlab(g: Gen):
    t = "glpat-" + g.s(ALNUM, 20)
    line = g.rng.choice([f"GITLAB_TOKEN={t}", f'private_token = "{t}"', f"  gitlab_token: {t}"])
    return [line], [(0, t)], ["gitlab_sync.py", ".gitlab-deploy.yml"]


def fmt_sendgrid(g: Gen):
    t = "SG." + g.s(B64URL, 22) + "." + g.s(B64URL, 43)
    line = g.rng.choice([f'SENDGRID_API_KEY = "{t}"', f"sendgrid_key: {t}", f"export SENDGRID_API_KEY={t}"])
    return [line], [(0, t)], ["mailer.py", "email.yaml"]


def fmt_pem(g: Gen):
    kind = g.rng.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])
    n = {"RSA PRIVATE KEY": 1190, "PRIVATE KEY": 1218, "EC PRIVATE KEY": 121, "OPENSSH PRIVATE KEY": 400}[kind]
    body = base64.b64encode(g.rng.randbytes(n)).decode()
    if kind == "OPENSSH PRIVATE KEY":
        body = "b3BlbnNzaC1rZXktdjEAAAAA" + body[24:]
    chunks = [body[i:i + 64] for i in range(0, len(body), 64)]
    lines = [f"-----BEGIN {kind}-----", *chunks, f"-----END {kind}-----"]
    # the secret as recorded: the first body line (tools report the key block)
    return lines, [(0, chunks[0])], ["id_rsa", "server.key", "deploy_key.pem", "tls.key"]


def fmt_azure_storage(g: Gen):
    acct = "st" + g.s(string.ascii_lowercase + string.digits, 10)
    key = g.s(B64, 86) + "=="
    line = (f'AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=https;AccountName={acct};'
            f'AccountKey={key};EndpointSuffix=core.windows.net"')
    return [line], [(0, key)], ["appsettings.py", "storage.env.sh", "local.settings.json"]


def fmt_azure_devops(g: Gen):
    t = (g.s(ALNUM, 52) + "JQQJ9" + g.rng.choice("9DH") + g.s(ALNUM, 1) + g.rng.choice("ABCDEFGHIJKL")
         + g.s(ALNUM, 16) + "AZDO" + g.s(ALNUM, 4))
    line = g.rng.choice([f"AZURE_DEVOPS_PAT={t}", f'azure_devops_token = "{t}"'])
    return [line], [(0, t)], ["azure-pipelines-setup.sh", "ado_client.py"]


def fmt_azure_devops_legacy(g: Gen):
    t = g.s(B32L, 52)
    line = g.rng.choice([f"AZURE_DEVOPS_PAT={t}", f'azure_devops_token = "{t}"', f"  ado_pat: {t}"])
    return [line], [(0, t)], ["ado_setup.sh", "ado.yml"]


def fmt_npm(g: Gen):
    t = "npm_" + g.s(ALNUM, 36)
    line = g.rng.choice([f"//registry.npmjs.org/:_authToken={t}", f"NPM_TOKEN={t}"])
    return [line], [(0, t)], [".npmrc", "publish.sh"]


def fmt_google_api(g: Gen):
    t = "AIza" + g.s(B64URL, 35)
    line = g.rng.choice([f'GOOGLE_API_KEY = "{t}"', f"  maps_api_key: {t}", f'const apiKey = "{t}";'])
    return [line], [(0, t)], ["maps.js", "geo_settings.py"]


def fmt_jwt(g: Gen):
    hdr = b64url_nopad(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    payload = {"sub": g.s(ALNUM, 12), "name": g.rng.choice(["Ada Lovelace", "Grace Hopper", "Alan Turing"]),
               "iat": g.rng.randint(1_600_000_000, 1_700_000_000), "role": "service"}
    pay = b64url_nopad(json.dumps(payload, separators=(",", ":")).encode())
    sig = b64url_nopad(g.rng.randbytes(32))
    t = f"{hdr}.{pay}.{sig}"
    line = g.rng.choice([f'AUTH_TOKEN = "{t}"', f"Authorization: Bearer {t}", f"  jwt: {t}"])
    return [line], [(0, t)], ["client.py", "api_requests.http"]


def fmt_env_password(g: Gen):
    pw = g.password(g.rng.choice([14, 16, 20]))
    var = g.rng.choice(["DB_PASSWORD", "POSTGRES_PASSWORD", "MYSQL_ROOT_PASSWORD", "REDIS_PASSWORD", "SMTP_PASSWORD"])
    lines = ["APP_ENV=production", "LOG_LEVEL=info", f"{var}={pw}", "PORT=8080"]
    return lines, [(2, pw)], [".env", ".env.production", ".env.local"]


def fmt_db_url(g: Gen):
    pw = g.password(16)
    user = g.rng.choice(["app", "orders", "svc_api", "billing"])
    host = g.rng.choice(["db.internal", "10.2.3.4", "pg-prod.corp.lan", "mysql-1.dc2"])
    scheme = g.rng.choice(["postgres", "postgresql", "mysql", "mongodb"])
    url = f"{scheme}://{user}:{pw}@{host}:5432/{user}"
    line = g.rng.choice([f"DATABASE_URL={url}", f'SQLALCHEMY_DATABASE_URI = "{url}"', f'  url: "{url}"'])
    return [line], [(0, pw)], ["db.py", "database.yml", "settings_prod.py"]


def fmt_password_assign(g: Gen):
    pw = g.password(g.rng.choice([12, 16]))
    line = g.rng.choice([f'db_password = "{pw}"', f'    "password": "{pw}",', f"SMTP_PASSWORD = '{pw}'",
                         f'private static final String ADMIN_PASSWORD = "{pw}";'])
    return [line], [(0, pw)], ["settings_local.py", "config.json", "Mailer.java"]


FORMATS = [
    # id, palisade rule(s) expected, placement, generator
    ("github-pat-classic", "github.pat.classic", "any", fmt_github_classic),
    ("github-pat-fine-grained", "github.pat.fine-grained", "any", fmt_github_fine),
    ("aws-credentials-file", "aws.access-key-id|aws.secret-access-key", "new", fmt_aws_pair),
    ("aws-keys-in-code", "aws.access-key-id|aws.secret-access-key", "any", fmt_aws_code),
    ("slack-bot-token", "slack.bot-token", "any", fmt_slack_bot),
    ("slack-webhook", "slack.webhook-url", "any", fmt_slack_webhook),
    ("stripe-live-key", "stripe.secret-key", "any", fmt_stripe),
    ("gitlab-pat", "gitlab.pat", "any", fmt_gitlab),
    ("sendgrid-key", "sendgrid.api-key", "any", fmt_sendgrid),
    ("private-key-pem", "private-key.pem|private-key.openssh", "new", fmt_pem),
    ("azure-storage-connstr", "azure.storage.connection-string", "any", fmt_azure_storage),
    ("azure-devops-pat", "azure.devops.pat", "any", fmt_azure_devops),
    ("azure-devops-pat-legacy", "azure.devops.pat.legacy", "any", fmt_azure_devops_legacy),
    ("npm-token", "npm.access-token|npm.npmrc.auth-token", "any", fmt_npm),
    ("google-api-key", "gcp.api-key", "any", fmt_google_api),
    ("jwt", "jwt.token", "any", fmt_jwt),
    ("dotenv-password", "config.env.secret", "new", fmt_env_password),
    ("database-url", "config.url.database-credentials", "any", fmt_db_url),
    ("password-assignment", "generic.password-assignment", "any", fmt_password_assign),
]


def read_manifest() -> list[tuple[str, int]]:
    out = []
    for line in MANIFEST.read_text().splitlines():
        if line:
            name, size = line.rsplit("\t", 1)
            out.append((name, int(size)))
    return out


def plant(n_secrets: int, seed: int) -> None:
    state = WORK / ".corpus-state"
    if not state.exists() or state.read_text().strip() != "fresh":
        sys.exit("plant: the corpus already holds planted secrets; rebuild it first (secrets_bench.py corpus)")
    state.write_text("planted\n")
    rng = random.Random(seed)
    g = Gen(rng)
    files = read_manifest()
    dirs = sorted({str(Path(f).parent) for f, _ in files})
    # candidate files for appending: text files of moderate size, each used once
    cands = [f for f, s in files if 200 < s < 512 * 1024]
    used: set[str] = set()
    planted = []
    count = 0
    i = 0
    new_files = 0
    while count < n_secrets:
        fid, rule, where, fn = FORMATS[i % len(FORMATS)]
        i += 1
        lines, secrets, names = fn(g)
        if where == "new" or rng.random() < 0.5:
            while True:
                d = rng.choice(dirs)
                rel = f"{d}/{rng.choice(names)}"
                if not (CORPUS / rel).exists() and rel not in used:
                    break
            header = [f"# generated configuration ({fid.split('-')[0]})", ""] if not fid.startswith("private-key") else []
            if fid == "dotenv-password":
                header = []
            content = header + lines
            (CORPUS / rel).parent.mkdir(parents=True, exist_ok=True)
            (CORPUS / rel).write_text("\n".join(content) + "\n")
            base = len(header) + 1
            placement = "new-file"
            new_files += 1
        else:
            while True:
                rel = rng.choice(cands)
                if rel not in used:
                    break
            p = CORPUS / rel
            data = p.read_bytes()
            if data and not data.endswith(b"\n"):
                data += b"\n"
            base = data.count(b"\n") + 1
            p.write_bytes(data + ("\n".join(lines) + "\n").encode())
            placement = "appended"
        used.add(rel)
        first = base
        last = base + len(lines) - 1
        for idx, secret in secrets:
            if count >= n_secrets:
                break
            planted.append({"id": count, "format": fid, "palisade_rule": rule, "file": rel,
                            "line": base + idx, "block": [first, last] if fid == "private-key-pem" else None,
                            "secret": secret, "placement": placement})
            count += 1
    PLANTED.write_text(json.dumps({"seed": seed, "n": len(planted), "secrets": planted}, indent=1))
    by_fmt = Counter(p["format"] for p in planted)
    print(f"planted {len(planted)} secrets ({new_files} new files, {len(planted) - sum(1 for p in planted if p['placement'] == 'new-file')} in existing files) -> {PLANTED}")
    print("  " + ", ".join(f"{k}={v}" for k, v in by_fmt.items()))


# --------------------------------------------------------------------------- rule extraction for rg


def palisade_patterns() -> list[tuple[str, str]]:
    """(rule id, pattern) from the YAML rule files, without a YAML library."""
    out = []
    for yml in sorted((REPO / "crates" / "palisade-secrets" / "rules").glob("*.yml")):
        lines = yml.read_text().splitlines()
        rid = None
        i = 0
        while i < len(lines):
            ln = lines[i]
            m = re.match(r"^\s*- id:\s*(\S+)", ln)
            if m:
                rid = m.group(1)
            m = re.match(r"^(\s+)pattern:\s*(.*)$", ln)
            if m and rid:
                indent, val = len(m.group(1)), m.group(2)
                if val.startswith("'"):
                    s = val[1:]
                    while not re.search(r"(?<!')(?:'')*'\s*$", s) or s.endswith("''") and not s.endswith("'''"):
                        i += 1
                        s += " " + lines[i].strip()
                    s = s.rstrip()[:-1].replace("''", "'")
                elif val.startswith('"'):
                    s = json.loads(val)
                elif val.startswith("|") or val.startswith(">"):
                    block = []
                    i += 1
                    while i < len(lines) and (not lines[i].strip() or len(lines[i]) - len(lines[i].lstrip()) > indent):
                        block.append(lines[i].strip())
                        i += 1
                    i -= 1
                    s = ("\n" if val.startswith("|") else " ").join(b for b in block if b)
                else:
                    s = val
                out.append((rid, s))
            i += 1
    return out


def palisade_patterns_from_binary() -> list[tuple[str, str]]:
    """(rule id, pattern) as the built binary has them (`rules list` + `rules explain`)."""
    env = dict(os.environ, PALISADE_KEY_FILE=str(WORK / "key"))
    r = subprocess.run([str(PALISADE), "rules", "list", "--format", "json"], capture_output=True, text=True, env=env)
    out = []
    for rule in json.loads(r.stdout)["rules"]:
        e = subprocess.run([str(PALISADE), "rules", "explain", rule["id"]], capture_output=True, text=True, env=env)
        lines = e.stdout.splitlines()
        try:
            i = lines.index("Pattern:")
        except ValueError:
            continue
        pat = []
        for ln in lines[i + 1:]:
            if not ln.startswith("  "):
                break
            pat.append(ln[2:])
        out.append((rule["id"], "\n".join(pat)))
    return out


def rg_union(select=None) -> tuple[str, int, list[str]]:
    pats = []
    skipped = []
    try:
        src = palisade_patterns_from_binary() if PALISADE.exists() else []
    except Exception:
        src = []
    for rid, p in (src or palisade_patterns()):
        if select is not None and not select(rid):
            continue
        q = p.replace("(?P<secret>", "(?:")
        r = subprocess.run(["rg", "-c", "--regex-size-limit", "1G", "--dfa-size-limit", "1G", "-e", "(?-u)" + q,
                            "/dev/null"], capture_output=True, text=True)
        if r.returncode == 2:
            skipped.append(rid)
            continue
        pats.append(q)
    return "(?-u)" + "|".join(f"(?:{q})" for q in pats), len(pats), skipped


# --------------------------------------------------------------------------- running tools


LAST_CPU = [0.0]  # user+sys CPU seconds of the last sh() call


def sh(cmd: list[str], out: Path, env: dict | None = None, cwd: Path | None = None, timeout: int = 3600):
    """Run cmd with stdout to `out`, return (wall s, peak RSS MB, exit code)."""
    tf = out.with_suffix(".time")
    full = ["/usr/bin/time", "-f", "%e %M %U %S", "-o", str(tf), *cmd]
    e = dict(os.environ)
    if env:
        e.update(env)
    LAST_CPU[0] = 0.0
    t0 = time.monotonic()
    with open(out, "wb") as fo, open(out.with_suffix(".stderr"), "wb") as fe:
        p = subprocess.Popen(full, stdout=fo, stderr=fe, env=e, cwd=cwd, start_new_session=True)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)  # the tool and /usr/bin/time: only what we started
            p.wait()
            rc = -9
    wall = time.monotonic() - t0
    rss = 0.0
    try:
        txt = tf.read_text().strip().splitlines()
        last = txt[-1].split()
        rss = int(last[1]) / 1024
        LAST_CPU[0] = float(last[2]) + float(last[3])
        if txt[0].startswith("Command exited with non-zero status"):
            rc = int(txt[0].rsplit(" ", 1)[1])
    except Exception:
        pass
    return wall, rss, rc


def tree_size(root: Path) -> tuple[int, int]:
    n = b = 0
    for dp, _, fns in os.walk(root):
        for f in fns:
            n += 1
            b += os.path.getsize(os.path.join(dp, f))
    return n, b


def make_subset(name: str, mb: float, files: list[str]) -> Path:
    """A hard-linked copy of a fixed prefix (by sorted path) of the corpus."""
    d = WORK / "subsets" / name
    if d.exists():
        shutil.rmtree(d)
    budget = mb * MB
    tot = 0
    for rel in files:
        s = (CORPUS / rel).stat().st_size
        if tot + s > budget:
            break
        dst = d / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.link(CORPUS / rel, dst)
        tot += s
    return d


def planted_only_dir(planted) -> Path:
    d = WORK / "subsets" / "planted-only"
    if d.exists():
        shutil.rmtree(d)
    for rel in sorted({p["file"] for p in planted}):
        dst = d / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        os.link(CORPUS / rel, dst)
    return d


# --------------------------------------------------------------------------- parsers: -> list of findings
# finding: {"file": rel path, "line": int or None, "text": str or "", "rule": str}


def rel_to(path: str, root: Path) -> str:
    p = Path(path)
    if p.is_absolute():
        try:
            return str(p.relative_to(root))
        except ValueError:
            try:
                return str(p.resolve().relative_to(root.resolve()))
            except ValueError:
                return path
    return str(p).lstrip("./") if str(p).startswith("./") else str(p)


def parse_palisade(out: Path, root: Path):
    d = json.loads(out.read_text())
    res = []
    for f in d.get("findings", []):
        for loc in f.get("locations", []):
            res.append({"file": rel_to(loc["path"], root), "line": loc.get("line"), "text": f.get("secret") or "",
                        "rule": f.get("rule_id", "?")})
    return res


def parse_kingfisher(out: Path, root: Path):
    txt = out.read_text()
    d = json.loads(txt) if txt.strip() else {}
    res = []
    for f in d.get("findings", []):
        fi = f.get("finding", {})
        text = fi.get("snippet", "") or ""
        extra = " ".join(str(v) for v in (fi.get("dependent_captures") or {}).values())
        res.append({"file": rel_to(fi.get("path", ""), root), "line": fi.get("line"),
                    "text": text + (" " + extra if extra else ""), "rule": f.get("rule", {}).get("id", "?")})
    return res


RS_LINE = re.compile(r"^(.*?):(\d+):(.*)$")


def parse_ripsecrets(out: Path, root: Path):
    res = []
    for ln in out.read_text(errors="replace").splitlines():
        ln = re.sub(r"\x1b\[[0-9;]*m", "", ln)
        m = RS_LINE.match(ln)
        if m:
            res.append({"file": rel_to(m.group(1), root), "line": int(m.group(2)), "text": m.group(3),
                        "rule": "ripsecrets"})
    return res


def parse_detect_secrets(out: Path, root: Path):
    txt = out.read_text()
    d = json.loads(txt) if txt.strip() else {}
    res = []
    for fname, items in d.get("results", {}).items():
        for it in items:
            res.append({"file": rel_to(fname, root), "line": it.get("line_number"), "text": "",
                        "hash": it.get("hashed_secret"), "rule": it.get("type", "?")})
    return res


def score(findings, planted, scope_files: set[str] | None = None):
    """Recall over planted secrets (restricted to scope_files if given) and the other hits."""
    by_file = defaultdict(list)
    for p in planted:
        if scope_files is None or p["file"] in scope_files:
            by_file[p["file"]].append(p)
    found = set()
    other = []
    for f in findings:
        hit = False
        for p in by_file.get(f["file"], []):
            lo, hi = (p["block"] if p.get("block") else (p["line"], p["line"]))
            ok = f["line"] is not None and lo - 1 <= f["line"] <= hi + 1
            if not ok and f.get("text") and (p["secret"] in f["text"] or (len(f["text"]) >= 8 and f["text"] in p["secret"])):
                ok = True
            if not ok and f.get("hash") and f["hash"] == hashlib.sha1(p["secret"].encode()).hexdigest():
                ok = True
            if ok:
                found.add(p["id"])
                hit = True
        if not hit:
            other.append(f)
    in_scope = [p for p in planted if scope_files is None or p["file"] in scope_files]
    return found, in_scope, other


# --------------------------------------------------------------------------- main run


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def tool_paths():
    kf_bin = None
    for c in sorted((TOOLS_DIR / "kingfisher-venv").glob("lib/python*/site-packages/kingfisher/bin/kingfisher")):
        kf_bin = c
    if kf_bin is None and (TOOLS_DIR / "kingfisher-venv" / "bin" / "kingfisher").exists():
        kf_bin = TOOLS_DIR / "kingfisher-venv" / "bin" / "kingfisher"
    rs = TOOLS_DIR / "bin" / "ripsecrets"
    ds = TOOLS_DIR / "ds-venv" / "bin" / "detect-secrets"
    return {"kingfisher": kf_bin if kf_bin and kf_bin.exists() else None,
            "ripsecrets": rs if rs.exists() else (shutil.which("ripsecrets") and Path(shutil.which("ripsecrets"))),
            "detect-secrets": ds if ds.exists() else None,
            "rg": shutil.which("rg")}


def run_all() -> None:
    runs = int(os.environ.get("RUNS", "3"))
    slow_budget = float(os.environ.get("SLOW_BUDGET_S", "120"))
    rs_max = float(os.environ.get("RIPSECRETS_MAX_S", "600"))
    only = set(filter(None, os.environ.get("TOOLS", "").split(",")))
    want = lambda t: not only or t in only  # noqa: E731
    OUT.mkdir(parents=True, exist_ok=True)
    pl = json.loads(PLANTED.read_text())
    planted = pl["secrets"]
    nfiles, nbytes = tree_size(CORPUS)
    corpus_mb = nbytes / MB
    files_sorted = []
    for dp, _, fns in os.walk(CORPUS):
        for f in fns:
            files_sorted.append(os.path.relpath(os.path.join(dp, f), CORPUS))
    files_sorted.sort()
    paths = tool_paths()
    key = WORK / "key"
    penv = {"PALISADE_KEY_FILE": str(key), "NO_COLOR": "1"}
    results: dict = {"corpus_mb": round(corpus_mb, 1), "corpus_files": nfiles, "runs": runs,
                     "planted": len(planted), "nproc": os.cpu_count(), "tools": {}, "notes": []}
    notes = results["notes"]
    notes.append("timings are noisy: 2-core machine, other builds may run at the same time; compare within one run")
    notes.append("not installable here (no network beyond crates.io/PyPI/npm/Debian): gitleaks, trufflehog, Nosey Parker")

    print(f"\ncorpus: {nfiles} files, {corpus_mb:.1f} MB; planted {len(planted)} secrets; {runs} timed runs per fast tool")
    results["loadavg_start"] = os.getloadavg()
    print(f"load average at start: {results['loadavg_start']}")
    print("warm-up: reading every corpus file once ...", flush=True)
    subprocess.run(f"find {CORPUS} -type f -print0 | xargs -0 cat > /dev/null", shell=True, check=False)

    def record(name, mb, walls, rss, findings, scope_files=None, label="", recall_findings=None,
               recall_scope=None, rc=None, extra=None, cpus=None):
        entry = {"mb": round(mb, 1), "wall_s": round(median(walls), 3) if walls else None,
                 "cpu_s": round(median(cpus), 2) if cpus else None,
                 "walls": [round(w, 3) for w in walls], "peak_rss_mb": round(rss, 1) if rss else None,
                 "mb_per_s": round(mb / median(walls), 2) if walls and median(walls) > 0 else None,
                 "label": label, "exit_codes": rc}
        if findings is not None:
            rf = recall_findings if recall_findings is not None else findings
            found, in_scope, _ = score(rf, planted, recall_scope)
            _, _, other = score(findings, planted, scope_files)
            entry.update({"recall": round(100 * len(found) / len(in_scope), 1) if in_scope else None,
                          "found": len(found), "planted_in_scope": len(in_scope), "other_hits": len(other),
                          "findings": len(findings)})
            per_fmt = defaultdict(lambda: [0, 0])
            for p in in_scope:
                per_fmt[p["format"]][1] += 1
                if p["id"] in found:
                    per_fmt[p["format"]][0] += 1
            entry["recall_by_format"] = {k: f"{a}/{b}" for k, (a, b) in per_fmt.items()}
            entry["missed"] = [{"id": p["id"], "format": p["format"], "file": p["file"], "line": p["line"]}
                               for p in in_scope if p["id"] not in found]
            entry["_other"] = other
        if extra:
            entry.update(extra)
        results["tools"][name] = entry
        print(f"  {name}: {entry.get('wall_s')} s (runs {entry['walls']}), {entry.get('mb_per_s')} MB/s, "
              f"CPU {entry.get('cpu_s')} s, RSS {entry.get('peak_rss_mb')} MB"
              + (f", recall {entry.get('recall')}%, other {entry.get('other_hits')}" if findings is not None else "")
              + (f"  [{label}]" if label else ""), flush=True)
        return entry

    try:
        r = subprocess.run([str(PALISADE), "rules", "list", "--format", "json"], capture_output=True, text=True,
                           env=dict(os.environ, **penv))
        results["palisade_rules"] = [x["id"] for x in json.loads(r.stdout)["rules"]]
    except Exception:
        results["palisade_rules"] = []
    # ---- fast tools, timed in interleaved rounds so that load changes hit them alike
    fast = []  # name, cmd, out, env, parser, label, runs
    if want("palisade"):
        if not PALISADE.exists():
            notes.append(f"palisade binary missing at {PALISADE}")
            results["tools"]["palisade"] = {"error": "binary missing"}
        else:
            base = [str(PALISADE), "scan", "--no-store", "--format", "json", "--no-progress", "--fail-on", "critical"]
            sh(base + [str(CORPUS / "pystdlib")], OUT / "palisade-warm.json", penv)
            fast.append(("palisade", base + [str(CORPUS)], OUT / "palisade.json", penv, parse_palisade,
                         f"all rules, one thread per core ({os.cpu_count()})"))
            fast.append(("palisade --threads 1", base + ["--threads", "1", str(CORPUS)], OUT / "palisade-t1.json",
                         penv, None, "all rules, single thread"))
    if want("kingfisher"):
        kf = paths["kingfisher"]
        if not kf:
            results["tools"]["kingfisher"] = {"error": "not installed"}
            notes.append("kingfisher: not installed (pip install kingfisher-bin failed?)")
        else:
            kbase = [str(kf), "--no-update-check", "-q", "scan", "--no-validate", "--git-history", "none",
                     "--format", "json", "--no-dedup"]
            kenv = {"KF_RULE_CACHE_DIR": str(TOOLS_DIR / "kf-rule-cache")}
            sh(kbase + [str(CORPUS / "pystdlib")], OUT / "kingfisher-warm.json", kenv)  # compiles the rule cache
            fast.append(("kingfisher", kbase + [str(CORPUS)], OUT / "kingfisher.json", kenv, parse_kingfisher,
                         "--no-validate, all rules (--rule all), -j 2 (default), --no-dedup"))
    if want("rg") and paths["rg"]:
        fast.append(("rg literal", [paths["rg"], "-c", "--no-ignore", "--hidden", "--no-messages", "-F", "-e",
                                    "zq9JQQJ9kv", str(CORPUS)], OUT / "rg-literal.out", None, None,
                     "walk+read floor: rg -c --no-ignore --hidden -F with one rare literal"))
    timing = {spec[0]: ([], [], [], []) for spec in fast}  # walls, rss, rc, cpu
    for r in range(runs):
        print(f"round {r + 1}/{runs}: " + ", ".join(spec[0] for spec in fast), flush=True)
        for name, cmd, out, env, _, _ in fast:
            w, rss, rc = sh(cmd, out, env)
            t = timing[name]
            t[0].append(w); t[1].append(rss); t[2].append(rc); t[3].append(LAST_CPU[0])
    for name, cmd, out, env, parser, label in fast:
        walls, rsss, rcs, cpus = timing[name]
        f = None
        if parser:
            try:
                f = parser(out, CORPUS)
            except Exception as e:
                notes.append(f"{name} output unparsable: {e}")
        ok = {"palisade": (0, 1), "kingfisher": (0, 200, 205), "rg literal": (0, 1)}.get(name.split(" --")[0], (0, 1))
        if any(c not in ok for c in rcs):
            notes.append(f"{name}: exit codes {rcs}, see {out.with_suffix('.stderr')}")
        record(name, corpus_mb, walls, max(rsss), f, rc=rcs, label=label, cpus=cpus)

    # ---- rg references
    if want("rg"):
        rg = paths["rg"]
        if not rg:
            results["tools"]["rg"] = {"error": "not installed"}
        else:
            print("rg unions ...", flush=True)
            union, npats, skipped = rg_union()
            (OUT / "rg-union.txt").write_text(union)
            planted_rules = set()
            for f in FORMATS:
                planted_rules |= set(f[1].split("|"))
            union2, npats2, _ = rg_union(lambda rid: rid in planted_rules)
            (OUT / "rg-union-planted.txt").write_text(union2)
            if skipped:
                notes.append(f"rg union: {len(skipped)} palisade patterns rg cannot compile were left out: {skipped}")
            rbase = [rg, "-c", "--no-ignore", "--hidden", "--no-messages"]
            for name, ufile, desc in (("rg union all", OUT / "rg-union.txt", f"{npats} palisade regexes"),
                                      ("rg union planted", OUT / "rg-union-planted.txt",
                                       f"the {npats2} palisade regexes of the planted formats")):
                cmd = rbase + ["--regex-size-limit", "1G", "--dfa-size-limit", "1G", "-f", str(ufile)]
                cal = make_subset("rg-cal", 2, files_sorted)
                cal_mb = tree_size(cal)[1] / MB
                w, _, _ = sh(cmd + [str(cal)], OUT / "rg-cal.out", timeout=600)
                est = corpus_mb / (cal_mb / max(w, 1e-3))
                if est <= 60:
                    root, mb, nrun, label = CORPUS, corpus_mb, runs, f"{desc}, ASCII, one union"
                else:
                    sub = max(2.0, cal_mb / max(w, 1e-3) * 30)
                    root = make_subset("rg-" + name.split()[-1], sub, files_sorted)
                    mb, nrun = tree_size(root)[1] / MB, 1
                    label = f"{desc}, ASCII, one union; SUBSET first {mb:.1f} MB (est. full run {est:.0f} s), 1 run"
                out = OUT / (name.replace(" ", "-") + ".out")
                walls, rsss, cpus = [], [], []
                for r in range(nrun):
                    w, rss, rc = sh(cmd + [str(root)], out, timeout=900)
                    walls.append(w); rsss.append(rss); cpus.append(LAST_CPU[0])
                cnt = sum(int(l.rsplit(":", 1)[1]) for l in out.read_text().splitlines()
                          if ":" in l and l.rsplit(":", 1)[1].isdigit())
                record(name, mb, walls, max(rsss), None, label=label, extra={"matching_lines": cnt}, cpus=cpus)

    pod = planted_only_dir(planted)

    # ---- ripsecrets
    if want("ripsecrets"):
        rs = paths["ripsecrets"]
        if not rs:
            results["tools"]["ripsecrets"] = {"error": "not installed"}
            notes.append("ripsecrets: not installed (cargo install ripsecrets failed?)")
        else:
            print("ripsecrets ...", flush=True)
            cal = make_subset("ripsecrets-cal", 10, files_sorted)
            cal_mb = tree_size(cal)[1] / MB
            w, _, _ = sh([str(rs), str(cal)], OUT / "ripsecrets-cal.out")
            est_full = corpus_mb / (cal_mb / max(w, 1e-3))
            if est_full <= rs_max:
                root, mb, label = CORPUS, corpus_mb, "full corpus"
                nrun = 1 if est_full > 120 else runs
            else:
                sub_mb = max(5.0, cal_mb / max(w, 1e-3) * slow_budget * 2)
                root = make_subset("ripsecrets", sub_mb, files_sorted)
                mb = tree_size(root)[1] / MB
                label = f"SUBSET: first {mb:.0f} MB of the corpus (est. full run {est_full:.0f} s)"
                nrun = 1
            walls, rsss, rcs, cpus = [], [], [], []
            for r in range(nrun):
                w, rss, rc = sh([str(rs), str(root)], OUT / "ripsecrets.out")
                walls.append(w); rsss.append(rss); rcs.append(rc); cpus.append(LAST_CPU[0])
            f = parse_ripsecrets(OUT / "ripsecrets.out", root)
            scope = None if root == CORPUS else {rel for rel in files_sorted if (root / rel).exists()}
            rf = f
            if scope is not None:
                sh([str(rs), str(pod)], OUT / "ripsecrets-planted.out")
                rf = parse_ripsecrets(OUT / "ripsecrets-planted.out", pod)
                label += "; recall measured on the planted files only"
            record("ripsecrets", mb, walls, max(rsss), f, scope_files=scope, label=label + f"; {nrun} run(s)",
                   recall_findings=rf, rc=rcs, cpus=cpus)

    # ---- detect-secrets
    if want("detect-secrets"):
        ds = paths["detect-secrets"]
        if not ds:
            results["tools"]["detect-secrets"] = {"error": "not installed"}
            notes.append("detect-secrets: not installed (pip install detect-secrets failed?)")
        else:
            print("detect-secrets ...", flush=True)
            cal = make_subset("ds-cal", 2, files_sorted)
            cal_mb = tree_size(cal)[1] / MB
            w, _, _ = sh([str(ds), "scan", "--all-files", "."], OUT / "ds-cal.json", cwd=cal)
            speed = cal_mb / max(w, 1e-3)
            sub_mb = min(corpus_mb, max(2.0, speed * slow_budget))
            root = make_subset("detect-secrets", sub_mb, files_sorted) if sub_mb < corpus_mb else CORPUS
            mb = tree_size(root)[1] / MB
            w, rss, rc = sh([str(ds), "scan", "--all-files", "."], OUT / "detect-secrets.json", cwd=root)
            ds_cpu = LAST_CPU[0]
            f = parse_detect_secrets(OUT / "detect-secrets.json", root)
            sh([str(ds), "scan", "--all-files", "."], OUT / "detect-secrets-planted.json", cwd=pod)
            rf = parse_detect_secrets(OUT / "detect-secrets-planted.json", pod)
            scope = None if root == CORPUS else {rel for rel in files_sorted if (root / rel).exists()}
            record("detect-secrets", mb, [w], rss, f, scope_files=scope,
                   label=f"SUBSET: first {mb:.1f} MB of the corpus, 1 run; recall measured on the planted files only",
                   recall_findings=rf, rc=[rc], cpus=[ds_cpu])

    report(results)


def report(results: dict) -> None:
    tools = results["tools"]
    pal = tools.get("palisade", {})
    pal_speed = pal.get("mb_per_s")
    hdr = (f"{'tool':22s} {'MB':>7s} {'wall s':>8s} {'MB/s':>8s} {'CPU s':>7s} {'RSS MB':>7s} {'recall%':>8s} "
           f"{'other':>7s}  {'palisade/x':>10s}")
    lines = ["", "=" * len(hdr), f"secrets-scanning benchmark: corpus {results['corpus_mb']} MB, "
             f"{results['corpus_files']} files, {results['planted']} planted secrets, {results['nproc']} cores",
             "=" * len(hdr), hdr, "-" * len(hdr)]
    for name, e in tools.items():
        if "error" in e:
            lines.append(f"{name:22s} {'ERROR: ' + e['error']}")
            continue
        ratio = ""
        if pal_speed and e.get("mb_per_s") and name != "palisade":
            ratio = f"{pal_speed / e['mb_per_s']:.2f}x"
        rec = e.get("recall")
        cpu = f"{e['cpu_s']:7.2f}" if e.get("cpu_s") else f"{'':7s}"
        lines.append(f"{name:22s} {e['mb']:7.1f} {e['wall_s']:8.2f} {e['mb_per_s']:8.2f} {cpu} "
                     f"{(e.get('peak_rss_mb') or 0):7.0f} {('%.1f' % rec) if rec is not None else 'n/a':>8s} "
                     f"{(str(e['other_hits']) if 'other_hits' in e else ('(' + str(e['matching_lines']) + ')' if 'matching_lines' in e else 'n/a')):>7s}  {ratio:>10s}")
    lines.append("-" * len(hdr))
    lines.append(f"  load average at start {tuple(round(x, 2) for x in results.get('loadavg_start', ()))}, "
                 f"at end {tuple(round(x, 2) for x in os.getloadavg())}; wall = median of runs, CPU = user+sys")
    for name, e in tools.items():
        if e.get("label"):
            lines.append(f"  {name}: {e['label']}")
    lines.append("  recall: planted secret found when a finding is in its file on its line (+-1; PEM: anywhere in the")
    lines.append("  block) or the reported match contains it. other = findings matching no planted secret.")
    lines.append("  rg union: (n) = matching lines, not findings; rg is a raw regex-speed reference, not scored.")
    # targets
    peers = {k: v for k, v in tools.items() if k in ("kingfisher", "ripsecrets", "detect-secrets") and v.get("mb_per_s")}
    if pal_speed and peers:
        fastest = max(peers, key=lambda k: peers[k]["mb_per_s"])
        ratio = pal_speed / peers[fastest]["mb_per_s"]
        results["speed_ratio_vs_fastest_peer"] = {"peer": fastest, "ratio": round(ratio, 2)}
        lines.append(f"TARGET speed >= 3x fastest peer ({fastest}): palisade is {ratio:.2f}x -> "
                     f"{'MET' if ratio >= 3 else 'NOT MET'}")
        pe = peers[fastest]
        if pal.get("cpu_s") and pe.get("cpu_s"):
            cr = (pal["mb"] / pal["cpu_s"]) / (pe["mb"] / pe["cpu_s"])
            results["cpu_ratio_vs_fastest_peer"] = round(cr, 2)
            lines.append(f"       per CPU second (less sensitive to load): palisade {pal['mb'] / pal['cpu_s']:.0f} MB/CPU-s, "
                         f"{fastest} {pe['mb'] / pe['cpu_s']:.0f} MB/CPU-s = {cr:.2f}x")
    if pal.get("recall") is not None:
        lines.append(f"TARGET recall >= 99%: palisade {pal['recall']}% ({pal['found']}/{pal['planted_in_scope']}) -> "
                     f"{'MET' if pal['recall'] >= 99 else 'NOT MET'}")
        have = set(results.get("palisade_rules", []))
        with_rule = [p for p in json.loads(PLANTED.read_text())["secrets"]
                     if any(r in have for r in p["palisade_rule"].split("|"))]
        missed_ids = {m["id"] for m in pal["missed"]}
        got = sum(1 for p in with_rule if p["id"] not in missed_ids)
        lines.append(f"       on formats palisade has a rule for: {got}/{len(with_rule)} = {100 * got / max(1, len(with_rule)):.1f}%")
    # per-format recall matrix
    scored = [k for k, v in tools.items() if "recall_by_format" in v]
    if scored:
        lines.append("")
        lines.append("recall by planted format: " + " | ".join(scored))
        fmts = list(dict.fromkeys(p["format"] for p in json.loads(PLANTED.read_text())["secrets"]))
        for fm in fmts:
            cells = [tools[k]["recall_by_format"].get(fm, "-") for k in scored]
            lines.append(f"  {fm:26s} " + "  ".join(f"{c:>9s}" for c in cells))
    # palisade noisy rules
    if pal.get("_other") is not None:
        c = Counter(f["rule"] for f in pal["_other"])
        results["palisade_other_by_rule"] = dict(c.most_common())
        lines.append("")
        lines.append(f"palisade other hits by rule (top 15 of {len(c)} rules, {sum(c.values())} hits):")
        for rid, n in c.most_common(15):
            lines.append(f"  {n:6d}  {rid}")
        ex = defaultdict(list)
        for f in pal["_other"]:
            if len(ex[f["rule"]]) < 3:
                ex[f["rule"]].append({"file": f["file"], "line": f["line"]})
        results["palisade_other_examples"] = {rid: ex[rid] for rid, _ in c.most_common(15)}
    if pal.get("missed"):
        lines.append("")
        lines.append("palisade misses: " + ", ".join(f"{k}={v}" for k, v in Counter(m['format'] for m in pal['missed']).items()))
    lines.append("")
    for n in results["notes"]:
        lines.append("note: " + n)
    text = "\n".join(lines)
    print(text)
    for e in tools.values():
        e.pop("_other", None)
    results["table"] = text
    RESULTS.write_text(json.dumps(results, indent=1))
    print(f"\nresults: {RESULTS}")


def main() -> None:
    cmd = sys.argv[1] if len(sys.argv) > 1 else "all"
    mb = int(os.environ.get("CORPUS_MB", "300"))
    n = int(os.environ.get("N_SECRETS", "200"))
    seed = int(os.environ.get("SEED", "20240611"))
    if cmd in ("corpus", "all"):
        build_corpus(mb)
    if cmd in ("plant", "all"):
        plant(n, seed)
    if cmd in ("run", "all"):
        run_all()
    if cmd == "rg-union":
        u, n, sk = rg_union()
        print(n, sk)
        print(u[:2000])


if __name__ == "__main__":
    main()
