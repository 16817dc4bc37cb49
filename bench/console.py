#!/usr/bin/env python3
"""The console and the REST API over a large store (issue 8): 1,000,000 findings over 10,000 repositories.

For each store (SQLite in a temp file, then PostgreSQL in a fresh database dropped at the end):

1. An empty store is migrated by palisade itself, which then creates a connector `contoso`
   (`--skip-test`), an admin user, a reader granted only that connector, and an API token for each.
2. The estate is written directly with SQL (scans would take far too long), the same rows on both stores,
   generated once from a seed into TSV files: one organization `contoso`, PROJECTS projects, REPOS
   managed repositories (enabled, offered, disabled, archived; full and PR scans on or off; last scans
   fresh or stale), one scan per scanned repository, FINDINGS findings of the four kinds (secrets with
   commit metadata, dependencies with advisory details, IaC and code with rule details), mostly open,
   some fixed (locations gone), false positives and accepted risks, a location each (5 % also in a
   second repository, 10 % in a second file), posture results of every repository check on every
   repository (35 % failing), 30 days of trend snapshots; then `target_finding_counts` is recomputed
   with the INSERT ... SELECT of its migration and the store analyzed (PostgreSQL: VACUUM ANALYZE, as
   autovacuum would after a bulk insert; SQLite: ANALYZE, WAL checkpoint).
3. `palisade serve --no-worker --no-scheduler` on a loopback port. Each endpoint is requested once
   alone with curl right after the start (cold: the server's pool and caches are empty, the database's
   are warm from the load) and once more (single, warm); the answers are checked against the
   generator's own counts.
4. wrk (CONNECTIONS connections, THREADS threads, DURATION seconds each, 30 s timeout, one endpoint at
   a time) with the admin token: `GET /api/v1/overview`, an inventory page
   (`/api/v1/repos/inventory?limit=50&offset=5000&sort=findings`), a filtered findings page
   (`/api/v1/findings?severity=high&kind=secret&limit=50&offset=1000`) and the console's `/overview`
   page (session cookie from `POST /login`); then the three API endpoints again as the reader, whose
   queries carry the connector scope.
5. The SQL behind those endpoints (mirrored from the store code) is timed on its own: PostgreSQL
   `EXPLAIN (ANALYZE, BUFFERS)`, SQLite wall time of the query in Python's sqlite3 (its own library
   version, not necessarily the one palisade links) with `EXPLAIN QUERY PLAN`; plans are saved.

Output: requests/s, p50/p95/p99/max latency per store, caller and endpoint, the server's peak RSS
(VmHWM) and CPU, load times, the per-query timings, and whether the target holds (issue 8: overview
p95 under 300 ms on PostgreSQL). No peer tool runs here: Defender for Cloud's DevOps security views
are SaaS, nothing to load locally.

Usage: python3 bench/console.py [--repos N] [--findings N] [--duration S] [--stores sqlite,postgres]
Environment: SKIP_BUILD=1 (use target/release/palisade as is), PALISADE_BIN, PG_URL
(postgres://postgres@127.0.0.1:5432/test: where the bench database is created), NO_PG=1, BENCH_DIR
(/tmp/palisade-bench-console). wrk is installed with apt-get when missing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from benchlib import REPO, build_palisade, fresh_dir, log, table

DAY = 86_400_000
SEVERITIES = ["critical", "high", "medium", "low", "info"]
RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}
KINDS = ["secret", "dependency", "iac", "code"]
ORG = "contoso"
PASSWORD = "bench-password-0123456789"
FRESH_DAYS = 7

# ---- what is written ----

SECRET_RULES = [  # rule id, name, severity, preview prefix
    ("azure.devops.pat", "Azure DevOps personal access token", "critical", ""),
    ("aws.access-key", "AWS access key id", "critical", "AKIA"),
    ("private-key.pem", "PEM private key", "critical", "-----BEGIN"),
    ("stripe.live-key", "Stripe live secret key", "critical", "sk_live_"),
    ("github.pat-classic", "GitHub classic personal access token", "high", "ghp_"),
    ("github.pat-fine-grained", "GitHub fine-grained personal access token", "high", "github_pat_"),
    ("azure.storage.connection-string", "Azure storage connection string", "high", "DefaultEndpointsProtocol"),
    ("slack.bot-token", "Slack bot token", "high", "xoxb-"),
    ("npm.token", "npm access token", "high", "npm_"),
    ("database.url", "Database URL with a password", "high", "postgres://"),
    ("sendgrid.api-key", "SendGrid API key", "high", "SG."),
    ("gitlab.pat", "GitLab personal access token", "high", "glpat-"),
    ("google.api-key", "Google API key", "medium", "AIza"),
    ("jwt.token", "JSON web token", "medium", "eyJ"),
    ("generic.password-assignment", "Password assignment", "medium", "password="),
    ("dotenv.password", ".env password", "low", "PASSWORD="),
]
IAC_RULES = [(f"iac.{area}.{name}", name.replace("-", " "), sev) for area, name, sev in [
    ("dockerfile", "root-user", "high"), ("dockerfile", "latest-tag", "medium"),
    ("dockerfile", "user-missing", "medium"), ("dockerfile", "healthcheck-missing", "low"),
    ("dockerfile", "add-instead-of-copy", "low"), ("dockerfile", "pipe-to-shell", "high"),
    ("terraform", "storage-public-access", "high"), ("terraform", "keyvault-no-purge-protection", "medium"),
    ("terraform", "sql-firewall-open", "critical"), ("terraform", "nsg-ssh-open", "high"),
    ("kubernetes", "privileged-container", "high"), ("kubernetes", "no-resource-limits", "low"),
    ("kubernetes", "host-network", "high"), ("bicep", "https-only-off", "medium"),
    ("pipeline", "script-injection", "critical"), ("pipeline", "unpinned-task", "low"),
    ("pipeline", "secret-in-variable", "high"), ("arm", "tls-old", "medium"),
]]
CODE_RULES = [(f"code.{lang}.{name}", name.replace("-", " "), sev, cwe) for lang, name, sev, cwe in [
    ("python", "command-injection", "critical", 78), ("python", "sql-injection", "high", 89),
    ("python", "yaml-load", "medium", 502), ("python", "weak-hash", "low", 328),
    ("javascript", "xss", "high", 79), ("javascript", "eval", "high", 95),
    ("javascript", "prototype-pollution", "medium", 1321), ("csharp", "sql-injection", "high", 89),
    ("csharp", "weak-random", "low", 330), ("java", "xxe", "high", 611),
    ("java", "deserialization", "critical", 502), ("go", "path-traversal", "medium", 22),
]]
ECOSYSTEMS = [("npm", "package-lock.json"), ("PyPI", "requirements.txt"), ("NuGet", "packages.lock.json"),
              ("Maven", "pom.xml"), ("Go", "go.sum"), ("crates.io", "Cargo.lock")]
AUTHORS = [("Alex Doe", "alex@contoso.example"), ("Sam Roe", "sam@contoso.example"),
           ("Kim Poe", "kim@contoso.example"), ("Lee Moe", "lee@contoso.example")]


def md5(s: str) -> str:
    return hashlib.md5(s.encode()).hexdigest()


def guid(s: str) -> str:
    h = md5(s)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def tsv(v) -> str:
    if v is None:
        return "\\N"
    if v is True:
        return "t"
    if v is False:
        return "f"
    return str(v)


def repo_checks() -> list[tuple[str, str]]:
    """(check id, severity) of every repository posture check, read from the check sources."""
    out = []
    for f in sorted((REPO / "crates/palisade-posture/src/checks/repo").glob("*.rs")):
        text = f.read_text()
        m = re.search(r'\bid:\s*"([a-z0-9.-]+)"', text)
        s = re.search(r"severity:\s*Severity::(\w+)", text)
        if m and s:
            out.append((m.group(1), s.group(1).lower()))
    return out or [("ado.repo.fewer-than-two-reviewers", "high"), ("ado.repo.default-branch-unprotected", "high")]


class Estate:
    """The generated estate: repositories in memory, scans/findings/locations as TSV files (shared by
    both stores), per-store rows (which need the connector id) made on demand."""

    def __init__(self, repos: int, projects: int, findings: int, seed: int, work: Path):
        self.n_repos, self.n_findings, self.seed = repos, findings, seed
        self.now = int(time.time() * 1000)
        self.org_id = guid(f"{seed}:org")
        rng = random.Random(seed)
        self.rng = rng
        projects = max(1, min(projects, repos))
        self.repos = []
        for r in range(repos):
            p = r % projects
            u = rng.random()
            state = "enabled" if u < 0.80 else "offered" if u < 0.92 else "disabled" if u < 0.97 else "archived"
            scanned = state != "offered"
            fresh = rng.random() < 0.85
            scan_at = self.now - (rng.randrange(0, 6 * DAY) if fresh else rng.randrange(8 * DAY, 60 * DAY))
            project = f"project-{p:03d}"
            name = f"{rng.choice(['api', 'web', 'svc', 'lib', 'infra', 'tools', 'app', 'data'])}-{r:05d}"
            self.repos.append({
                "i": r, "project": project, "project_id": guid(f"{seed}:p{p}"), "name": name,
                "repo_id": guid(f"{seed}:r{r}"), "target": f"ado:{ORG}/{project}/{name}", "state": state,
                "scanned": scanned, "scan_at": scan_at if scanned else None,
                "scan_id": guid(f"{seed}:scan{r}") if scanned else None,
                "empty": rng.random() < 0.02,
                "full": state == "enabled" and rng.random() < 0.95,
                "pr": state == "enabled" and rng.random() < 0.75,
                "failed": scanned and rng.random() < 0.03,
            })
        self.scanned = [r for r in self.repos if r["scanned"] and not r["empty"]]
        # Findings cluster in some repositories: a repository's weight falls with its rank (u^2).
        self.order = self.scanned[:]
        rng.shuffle(self.order)
        self.dep_advisories = []
        for a in range(2000):
            sev = rng.choices(SEVERITIES, [8, 30, 40, 17, 5])[0]
            eco, manifest = ECOSYSTEMS[a % len(ECOSYSTEMS)]
            self.dep_advisories.append((f"GHSA-{md5(f'{seed}:a{a}')[:4]}-{md5(f'{seed}:a{a}')[4:8]}-"
                                        f"{md5(f'{seed}:a{a}')[8:12]}", sev, eco, manifest, f"pkg-{a % 400}"))
        self.files = {}
        self.expected: dict = {}

    # -- shared rows: scans, findings, locations --

    def write_files(self, work: Path) -> None:
        rng = self.rng
        rand = rng.random
        seed = self.seed
        scans = work / "scans.tsv"
        with open(scans, "w") as f:
            for r in self.repos:
                if not r["scanned"]:
                    continue
                dur = rng.randrange(2_000, 600_000)
                f.write("\t".join(map(tsv, [
                    r["scan_id"], r["target"], "git-history", md5(f"{seed}:c{r['i']}") + "00000000",
                    "failed" if r["failed"] else "completed", r["scan_at"], r["scan_at"] + dur, dur,
                    rng.randrange(10, 20000), rng.randrange(10_000, 50_000_000), rng.randrange(10, 20000), 0, 0,
                    "bench", 250, 0, 0, "[]"])) + "\n")
        self.files["scans"] = scans

        open_by = {(k, s): 0 for k in KINDS for s in SEVERITIES}
        with_open: set = set()
        secret_high = 0
        n_loc = 0
        fpath, lpath = work / "findings.tsv", work / "locations.tsv"
        scanned = self.order
        ns = len(scanned)
        n_secret, n_iac, n_code = len(SECRET_RULES), len(IAC_RULES), len(CODE_RULES)
        secret_paths = [a + b for a in ["src/config/settings", "deploy/values", "scripts/setup", ".env",
                                         "test/fixtures/creds", "docs/howto", "infra/main"]
                        for b in [".yaml", ".json", ".py", ".sh", ".md", ".tf", ""]]
        iac_paths = {"dockerfile": "Dockerfile", "terraform": "infra/main.tf", "kubernetes": "k8s/deploy.yaml",
                     "bicep": "infra/main.bicep", "pipeline": "azure-pipelines.yml", "arm": "infra/azuredeploy.json"}
        code_ext = {"python": "py", "javascript": "js", "csharp": "cs", "java": "java", "go": "go"}
        sha256, sha1 = hashlib.sha256, hashlib.sha1
        N = "\\N"
        with open(fpath, "w", buffering=1 << 20) as ff, open(lpath, "w", buffering=1 << 20) as lf:
            for i in range(self.n_findings):
                u = rand()
                repo = scanned[int(ns * u * u)]
                u = rand()
                details = N
                commit = None
                if u < 0.45:
                    kind = "secret"
                    rule, name, sev, prefix = SECRET_RULES[int(n_secret * rand() ** 1.5)]
                    preview = (prefix[:12] + "********") if prefix else "********"
                    path = secret_paths[int(len(secret_paths) * rand())]
                    confidence = "high" if sev in ("critical", "high") else "medium"
                    a = AUTHORS[i % len(AUTHORS)]
                    commit = (md5(f"{seed}:k{i}") + md5(f"{seed}:K{i}")[:8], a[0], a[1])
                elif u < 0.75:
                    kind = "dependency"
                    adv, sev, eco, manifest, pkg = self.dep_advisories[int(2000 * rand() ** 2)]
                    rule = "dependency." + adv.lower()
                    name = f"{adv} in {pkg}"
                    version = f"{int(rand() * 5)}.{int(rand() * 20)}.{int(rand() * 30)}"
                    preview = f"{pkg}@{version}"
                    path = manifest
                    confidence = "high"
                    details = (f'{{"type":"dependency","ecosystem":"{eco}","package":"{pkg}","version":"{version}",'
                               f'"advisory":"{adv}","fixed":"{version}1","summary":"Vulnerability in {pkg}"}}')
                elif u < 0.90:
                    kind = "iac"
                    rule, name, sev = IAC_RULES[int(n_iac * rand())]
                    preview = ""
                    path = iac_paths[rule.split(".")[1]]
                    confidence = "high"
                    details = f'{{"type":"rule","message":"{name} ({rule})","subject":"resource-{i % 97}"}}'
                else:
                    kind = "code"
                    rule, name, sev, cwe = CODE_RULES[int(n_code * rand())]
                    preview = ""
                    path = f"src/module{i % 50}/handler{i % 7}.{code_ext[rule.split('.')[1]]}"
                    confidence = "medium"
                    details = (f'{{"type":"rule","message":"{name} ({rule})","subject":"fn_{i % 89}",'
                               f'"cwe":[{cwe}]}}')
                u = rand()
                state = "open" if u < 0.85 else "fixed" if u < 0.93 else "false-positive" if u < 0.97 else "accepted-risk"
                scan_at = repo["scan_at"]
                first = scan_at - int(rand() * 180 * DAY)
                if state == "fixed":
                    last = first + int(rand() * (scan_at - first))
                    gone = str(scan_at)
                    comment, updated = "no longer seen by a complete scan", str(scan_at)
                else:
                    last, gone = scan_at, N
                    comment, updated = (N, N) if state == "open" else ("bench triage", str(first + 1000))
                fid = md5(f"{seed}:f{i}")
                scan_id = repo["scan_id"]
                secret_hash = sha256(f"{seed}:s{i}".encode()).hexdigest()
                ff.write(f"{fid}\t{rule}\t{name}\t{sev}\t{RANK[sev]}\t{confidence}\t{preview}\tsha256:{secret_hash}"
                         f"\t{state}\t{comment}\t{updated}\t{first}\t{last}\t{scan_id}\t{scan_id}\t{kind}\t{details}\n")
                if kind == "secret" and sev == "high":
                    secret_high += 1
                u = rand()
                if u < 0.05:
                    places = ((repo, path), (scanned[int(ns * rand())], path))
                elif u < 0.15:
                    places = ((repo, path), (repo, "copy/" + path))
                else:
                    places = ((repo, path),)
                if commit:
                    c = f"{commit[0]}\t{commit[1]}\t{commit[2]}\t{first - int(rand() * 30 * DAY)}"
                else:
                    c = f"\t{N}\t{N}\t{N}"
                prev = None
                for k, (rp, p) in enumerate(places):
                    blob = sha1(f"{seed}:b{i}:{k}".encode()).hexdigest()
                    lf.write(f"{fid}\t{rp['target']}\t{p}\t{1 + int(rand() * 2000)}\t{1 + int(rand() * 120)}\t{blob}"
                             f"\t{c}\t{first}\t{last}\t{rp['scan_id']}\t{gone}\n")
                    n_loc += 1
                    if gone == N and state == "open" and rp is not prev:
                        open_by[(kind, sev)] += 1
                        with_open.add(rp["target"])
                    prev = rp
        self.files["findings"], self.files["locations"] = fpath, lpath
        self.n_locations = n_loc
        self.expected = {"open": open_by, "open_total": sum(open_by.values()), "repos_with_open": len(with_open),
                         "secret_high": secret_high, "repos": len(self.repos)}

    # -- per-store rows (they name the connector) --

    def managed_rows(self, connector: str) -> list[list]:
        rows = []
        for r in self.repos:
            scanned = r["scanned"]
            success = scanned and not r["failed"]
            rows.append([
                ORG, ORG, r["repo_id"], connector, r["project"], r["project_id"], r["name"],
                f"https://dev.azure.com/{ORG}/{r['project']}/_git/{r['name']}",
                f"https://dev.azure.com/{ORG}/{r['project']}/_git/{r['name']}",
                None if r["empty"] else "main", 1000 + r["i"] * 37 % 5_000_000, r["target"], r["state"],
                "removed" if r["state"] == "archived" else None, r["full"], r["pr"], "[]", "[]",
                r["scan_id"], r["scan_at"], ("failed" if r["failed"] else "completed") if scanned else None,
                "clone failed: bench" if r["failed"] else None,
                r["scan_at"] if success else (r["scan_at"] - 3 * DAY if scanned else None),
                self.now - 200 * DAY, r["scan_at"] or self.now - 200 * DAY, "bench" if scanned else None])
        return rows

    def posture_rows(self, connector: str, checks: list[tuple[str, str]], fail: float) -> list[list]:
        rng = random.Random(self.seed + 1)
        rows = []
        for r in self.repos:
            if r["state"] == "archived":
                continue
            key = f"{self.org_id}/repository/{r['repo_id']}"
            for check, sev in checks:
                u = rng.random()
                status = "fail" if u < fail else "pass" if u < fail + 0.55 else "unknown" if u < fail + 0.60 \
                    else "not-applicable"
                since = self.now - rng.randrange(0, 90 * DAY)
                rows.append([check, key, connector, "repository", f"{r['project']}/{r['name']}", self.org_id,
                             r["project_id"], sev, status, f"{check} is {status} on main of {r['name']} (bench)",
                             since, since - rng.randrange(0, 30 * DAY)])
        return rows

    def trend_rows(self) -> tuple[list[list], list[list]]:
        days, snaps = [], []
        for back in range(29, -1, -1):
            at = self.now - back * DAY
            day = time.strftime("%Y-%m-%d", time.gmtime(at / 1000))
            scale = 0.7 + 0.3 * (29 - back) / 29
            for (kind, sev), n in self.expected["open"].items():
                days.append([day, ORG, kind, sev, int(n * scale)])
            snaps.append([day, at])
        return days, snaps


COLUMNS = {
    "scans": ("id, target, kind, commit_id, status, started_at, finished_at, duration_ms, files, bytes, blobs, "
              "skipped_binary, skipped_too_large, rules_version, rules_count, findings, suppressed, errors",
              {5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 16}, set()),
    "findings": ("id, rule_id, rule_name, severity, severity_rank, confidence, preview, secret_hash, state, "
                 "state_comment, state_updated_at, first_seen_at, last_seen_at, first_seen_scan, last_seen_scan, "
                 "kind, details", {4, 10, 11, 12}, set()),
    "locations": ('finding_id, target, path, line, "column", blob_id, commit_id, commit_author_name, '
                  "commit_author_email, commit_date, first_seen_at, last_seen_at, last_seen_scan, gone_at",
                  {3, 4, 9, 10, 11, 13}, set()),
    "managed_repos": ("org_key, org_name, repo_id, connector_id, project, project_id, name, remote_url, web_url, "
                      "default_branch, size, target, state, archive_reason, full_scans, pr_scans, labels, "
                      "scanned_tips, last_scan_id, last_scan_at, last_status, last_error, last_success_at, "
                      "first_seen_at, updated_at, scanned_rules", {10, 19, 22, 23, 24}, {14, 15}),
    "posture_results": ("check_id, resource_key, connector_id, resource_kind, resource_name, org_id, project_id, "
                        "severity, status, reason, status_since, first_seen_at", {10, 11}, set()),
    "finding_count_days": ("day, org, kind, severity, open_count", {4}, set()),
    "finding_count_snapshots": ("day, taken_at", {1}, set()),
}

RECOUNT = ("INSERT INTO target_finding_counts (target, kind, severity, state, n) "
           "SELECT l.target, f.kind, f.severity, f.state, count(DISTINCT f.id) "
           "FROM locations l JOIN findings f ON f.id = l.finding_id WHERE l.gone_at IS NULL "
           "GROUP BY l.target, f.kind, f.severity, f.state")


# ---- stores ----

class Store:
    name = ""

    def __init__(self, work: Path):
        self.work = work
        self.home = work / "home"
        self.home.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict:
        e = dict(os.environ)
        e.update({"HOME": str(self.home), "XDG_DATA_HOME": str(self.home / "data"),
                  "XDG_CONFIG_HOME": str(self.home / "config"), "NO_COLOR": "1",
                  "PALISADE_KEY_FILE": str(self.home / "palisade.key"), "PALISADE_DATABASE_URL": self.url})
        e.pop("PALISADE_LOG", None)
        e.pop("PALISADE_MASTER_KEY", None)
        return e


class SqliteStore(Store):
    name = "SQLite"

    def __init__(self, work: Path):
        super().__init__(work)
        self.path = work / "palisade.db"
        self.url = f"sqlite://{self.path}"

    def setup(self) -> None:
        pass

    def connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None)
        db.execute("PRAGMA cache_size = -1048576")
        return db

    def scalar(self, sql: str):
        with self.connect() as db:
            return db.execute(sql).fetchone()[0]

    def execute(self, sql: str) -> None:
        db = self.connect()
        db.execute(sql)
        db.close()

    def load(self, table: str, rows=None, path: Path | None = None) -> None:
        cols, ints, bools = COLUMNS[table]
        n = len(cols.split(","))

        def from_file():
            with open(path) as f:
                for line in f:
                    v = line.rstrip("\n").split("\t")
                    yield [None if x == "\\N" else int(x) if (j in ints and x != "\\N") else x for j, x in enumerate(v)]

        def from_rows():
            for row in rows:
                yield [int(x) if j in bools and x is not None else x for j, x in enumerate(row)]

        db = self.connect()
        db.execute("PRAGMA synchronous = OFF")
        db.execute("BEGIN")
        db.executemany(f"INSERT INTO {table} ({cols}) VALUES ({', '.join('?' * n)})",
                       from_file() if path else from_rows())
        db.execute("COMMIT")
        db.close()

    def analyze(self) -> None:
        db = self.connect()
        db.execute("ANALYZE")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()

    def size(self) -> str:
        return f"{sum(p.stat().st_size for p in self.work.glob('palisade.db*')) / (1 << 20):.0f} MiB"

    def drop(self) -> None:
        pass


class PostgresStore(Store):
    name = "PostgreSQL"

    def __init__(self, work: Path, base_url: str, keep: bool):
        super().__init__(work)
        self.admin_url = base_url
        self.db = f"palisade_bench_console_{os.getpid()}"
        self.url = base_url.rsplit("/", 1)[0] + "/" + self.db
        self.keep = keep

    def psql(self, sql: str, url: str | None = None, check: bool = True) -> str:
        r = subprocess.run(["psql", url or self.url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                           capture_output=True, text=True)
        if check and r.returncode != 0:
            sys.exit(f"psql failed: {r.stderr.strip()[-800:]}\n  SQL: {sql[:300]}")
        return r.stdout

    def setup(self) -> None:
        self.psql(f"DROP DATABASE IF EXISTS {self.db}", self.admin_url)
        self.psql(f"CREATE DATABASE {self.db}", self.admin_url)

    def scalar(self, sql: str):
        return self.psql(sql).strip()

    def execute(self, sql: str) -> None:
        self.psql(sql)

    def load(self, table: str, rows=None, path: Path | None = None) -> None:
        cols = COLUMNS[table][0]
        if path is None:
            path = self.work / f"{table}.tsv"
            with open(path, "w") as f:
                for row in rows:
                    f.write("\t".join(map(tsv, row)) + "\n")
        self.psql(f"\\copy {table} ({cols}) FROM '{path}'")

    def analyze(self) -> None:
        self.psql("VACUUM ANALYZE")

    def size(self) -> str:
        return self.psql(f"SELECT pg_size_pretty(pg_database_size('{self.db}'))").strip()

    def drop(self) -> None:
        if not self.keep:
            self.psql(f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)", self.admin_url, check=False)


# ---- palisade ----

def run(bin_: Path, store: Store, *args: str, stdin: str | None = None) -> str:
    r = subprocess.run([str(bin_), *args], env=store.env(), input=stdin, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"palisade {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()[-800:]}")
    return r.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def login(base: str) -> str | None:
    data = urllib.parse.urlencode({"username": "bench-admin", "password": PASSWORD}).encode()
    req = urllib.request.Request(base + "/login", data=data, method="POST",
                                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        resp = opener.open(req, timeout=30)
        headers = resp.headers
    except urllib.error.HTTPError as e:
        headers = e.headers
    for c in headers.get_all("Set-Cookie") or []:
        m = re.match(r"(palisade_session=[^;]+)", c)
        if m:
            return m.group(1)
    return None


def proc_stats(pid: int) -> dict:
    out = {"hwm": 0.0, "rss": 0.0, "cpu": 0.0, "anon": 0.0, "file": 0.0}
    keys = {"VmHWM:": "hwm", "VmRSS:": "rss", "RssAnon:": "anon", "RssFile:": "file"}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            k = keys.get(line.split(":")[0] + ":")
            if k:
                out[k] = int(line.split()[1]) / 1024
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        out["cpu"] = (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        pass
    return out


def curl(url: str, header: str, out: Path) -> tuple[int, float, int]:
    r = subprocess.run(["curl", "-s", "-o", str(out), "-w", "%{http_code} %{time_total} %{size_download}",
                        "-H", header, "--max-time", "120", url], capture_output=True, text=True)
    code, t, size = r.stdout.split()
    return int(code), float(t) * 1000, int(float(size))


WRK_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "WRKJSON {\\"requests\\": %d, \\"duration_us\\": %d, \\"bytes\\": %d, \\"connect\\": %d, \\"read\\": %d, " ..
    "\\"write\\": %d, \\"status\\": %d, \\"timeout\\": %d, \\"p50\\": %d, \\"p90\\": %d, \\"p95\\": %d, " ..
    "\\"p99\\": %d, \\"max\\": %d, \\"mean\\": %f}\\n",
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""


def wrk(url: str, header: str, args, lua: Path) -> dict:
    r = subprocess.run(["wrk", "-t", str(args.threads), "-c", str(args.connections), "-d", f"{args.duration}s",
                        "--timeout", "30s", "--latency", "-s", str(lua), "-H", header, url],
                       capture_output=True, text=True)
    for line in r.stdout.splitlines():
        if line.startswith("WRKJSON "):
            return json.loads(line[len("WRKJSON "):])
    sys.exit(f"wrk gave no summary ({r.returncode}): {r.stdout[-500:]} {r.stderr[-500:]}")


def ensure_wrk() -> None:
    if shutil.which("wrk"):
        return
    log("==> wrk not found: installing it with apt-get (Debian package wrk)")
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "wrk"]):
        if os.geteuid() != 0 and shutil.which("sudo"):
            cmd = ["sudo", *cmd]
        subprocess.run(cmd, check=False, env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    if not shutil.which("wrk"):
        sys.exit("wrk is missing and could not be installed (apt-get install wrk)")


# ---- the SQL behind the endpoints, mirrored from the store code ----

def queries(pg: bool, connector: str, fresh_after: int, inv_offset: int, find_offset: int,
            page_ids: list[str]) -> list[tuple[str, str]]:
    def scope(col: str) -> str:
        if pg:
            return f" AND {col} IN (SELECT target FROM managed_repos WHERE connector_id = ANY(ARRAY['{connector}']))"
        return f" AND {col} IN (SELECT target FROM managed_repos WHERE 1 = 1 AND connector_id IN ('{connector}'))"

    cast = (lambda x: f"CAST({x} AS BIGINT)") if pg else (lambda x: x)
    coverage = (f"CASE WHEN r.default_branch IS NULL OR r.state = 'archived' THEN 'not-applicable' "
                f"WHEN r.state <> 'enabled' OR NOT (r.full_scans OR r.pr_scans) THEN 'off' "
                f"WHEN r.full_scans AND r.pr_scans AND r.last_success_at >= {fresh_after} THEN 'on' "
                f"ELSE 'partial' END")
    pr = "CASE WHEN r.state = 'enabled' AND r.pr_scans THEN 'on' ELSE 'off' END"
    open_by_target = ("SELECT c.target, " + ", ".join(
        f"CAST(sum(CASE WHEN c.severity = '{s}' THEN c.n ELSE 0 END) AS BIGINT) AS {s}" for s in SEVERITIES)
        + ", CAST(sum(c.n) AS BIGINT) AS total FROM target_finding_counts c WHERE c.state = 'open'")
    inv_cols = ("r.org_name, r.project, r.name, r.repo_id, r.target, r.connector_id, r.state, r.full_scans, "
                "r.pr_scans, r.last_scan_at, r.last_success_at, r.last_status, " + ", ".join(
                    f"coalesce(o.{s}, 0) AS {s}" for s in [*SEVERITIES, "total"]))
    finding_cols = ("id, kind, rule_id, rule_name, severity, confidence, preview, secret_hash, details, state, "
                    "state_comment, state_updated_at, first_seen_at, last_seen_at, first_seen_scan, last_seen_scan")
    loc_cols = ('finding_id, target, path, line, "column", blob_id, commit_id, commit_author_name, '
                "commit_author_email, commit_date, first_seen_at, last_seen_at, gone_at")
    sev_filter = " AND f.severity = ANY(ARRAY['high'])" if pg else " AND f.severity IN ('high')"
    ids = (f"ANY(ARRAY[{', '.join(repr(i) for i in page_ids)}])" if pg
           else f"IN ({', '.join(repr(i) for i in page_ids)})") if page_ids else ("ANY(ARRAY['x'])" if pg else "IN ('x')")
    out = []
    for scoped in (False, True):
        who = "reader" if scoped else "admin"
        sc = scope if scoped else (lambda col: "")
        repo_sc = ((f" AND r.connector_id = ANY(ARRAY['{connector}'])" if pg else
                    f" AND r.connector_id IN ('{connector}')") if scoped else "")
        out += [
            (f"{who} overview: findings by kind", f"SELECT c.kind, c.severity, {cast('sum(c.n)')} AS n FROM "
             f"target_finding_counts c WHERE c.state = 'open'{sc('c.target')} GROUP BY c.kind, c.severity"),
            (f"{who} overview: repos with open", "SELECT count(DISTINCT c.target) AS n FROM target_finding_counts c "
             f"WHERE c.state = 'open'{sc('c.target')}"),
            (f"{who} overview: coverage", f"SELECT coverage, pr_annotations, count(*) AS n FROM (SELECT {coverage} AS "
             f"coverage, {pr} AS pr_annotations FROM managed_repos r WHERE r.state <> 'archived'{repo_sc}) AS per_repo "
             "GROUP BY coverage, pr_annotations"),
        ]
        if not scoped:
            out += [
                ("admin overview: failing posture results", "SELECT * FROM posture_results WHERE 1 = 1 AND status IN "
                 "('fail') ORDER BY CASE status WHEN 'fail' THEN 0 WHEN 'unknown' THEN 1 WHEN 'pass' THEN 2 ELSE 3 END, "
                 "CASE severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 WHEN 'low' THEN 3 ELSE 4 "
                 "END, check_id, resource_key LIMIT 100000"),
                ("console overview: trend", "SELECT s.day, d.severity, " + cast("sum(d.open_count)") + " AS n FROM "
                 "finding_count_snapshots s LEFT JOIN finding_count_days d ON d.day = s.day WHERE s.day >= '0000' "
                 "GROUP BY s.day, d.severity ORDER BY s.day, d.severity"),
            ]
        inv_from = (f" FROM managed_repos r LEFT JOIN ({open_by_target}{sc('c.target')} GROUP BY c.target) o "
                    f"ON o.target = r.target WHERE 1 = 1{repo_sc}")
        find_where = " FROM findings f WHERE 1 = 1 AND f.kind IN ('secret')" + sev_filter
        if scoped:
            find_where += (" AND EXISTS (SELECT 1 FROM locations l WHERE l.finding_id = f.id"
                           + scope("l.target" if pg else "+l.target") + ")")
        out += [
            (f"{who} inventory: count", "SELECT count(*) AS n" + inv_from),
            (f"{who} inventory: page", f"SELECT {inv_cols}, {coverage} AS coverage{inv_from} ORDER BY "
             f"coalesce(o.total, 0) DESC, lower(r.name), r.name, r.org_key, r.repo_id LIMIT 50 OFFSET {inv_offset}"),
            (f"{who} findings: count", "SELECT count(*) AS n" + find_where),
            (f"{who} findings: page", f"SELECT {finding_cols}{find_where} ORDER BY f.severity_rank DESC, "
             f"f.last_seen_at DESC, f.id LIMIT 50 OFFSET {find_offset}"),
            (f"{who} findings: locations", f"SELECT {loc_cols} FROM locations WHERE finding_id {'= ' if pg else ''}"
             f"{ids}{sc('target')} ORDER BY last_seen_at DESC, target, path, line, \"column\", blob_id, commit_id"),
        ]
    return out


def time_queries(store: Store, qs: list[tuple[str, str]], plans: Path) -> dict[str, float]:
    out = {}
    with open(plans, "w") as f:
        for name, sql in qs:
            if isinstance(store, PostgresStore):
                store.psql(f"EXPLAIN (ANALYZE) {sql}")  # warm
                plan = store.psql(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                m = re.search(r"Execution Time: ([\d.]+) ms", plan)
                out[name] = float(m.group(1)) if m else float("nan")
            else:
                db = store.connect()
                best = float("inf")
                for _ in range(3):
                    t0 = time.perf_counter()
                    db.execute(sql).fetchall()
                    best = min(best, (time.perf_counter() - t0) * 1000)
                plan = "\n".join(str(r[-1]) for r in db.execute("EXPLAIN QUERY PLAN " + sql).fetchall())
                db.close()
                out[name] = best
            f.write(f"== {name}: {out[name]:.1f} ms\n{sql}\n{plan}\n\n")
    return out


# ---- one store ----

def bench_store(bin_: Path, store: Store, estate: Estate, args, checks) -> dict:
    res = {"store": store.name, "load": {}, "rows": [], "single": []}
    log(f"\n==> {store.name}: {store.url}")
    store.setup()
    t0 = time.monotonic()
    run(bin_, store, "users", "list")  # migrates the empty store
    run(bin_, store, "connector", "create", ORG, "--org", ORG, "--pat-stdin", "--skip-test", stdin="bench-pat\n")
    connector = store.scalar(f"SELECT id FROM connectors WHERE name_key = '{ORG}'")
    run(bin_, store, "users", "add", "bench-admin", "--role", "admin", "--password-stdin", stdin=PASSWORD + "\n")
    run(bin_, store, "users", "add", "bench-reader", "--role", "reader", "--connector", ORG, "--password-stdin",
        stdin=PASSWORD + "\n")
    tokens = {}
    for user in ("bench-admin", "bench-reader"):
        out = run(bin_, store, "tokens", "create", "--user", user, "--name", "bench")
        m = re.search(r"pal_[0-9a-f]{16}_[0-9a-f]{64}", out)
        if not m:
            sys.exit(f"no token in the output of tokens create: {out[:300]}")
        tokens[user] = m.group(0)
    res["load"]["setup (migrate, connector, users, tokens)"] = time.monotonic() - t0

    def step(label: str, fn) -> None:
        t = time.monotonic()
        fn()
        res["load"][label] = time.monotonic() - t
        log(f"    {label}: {res['load'][label]:.1f} s")

    step("scans", lambda: store.load("scans", path=estate.files["scans"]))
    step(f"findings ({estate.n_findings:,})", lambda: store.load("findings", path=estate.files["findings"]))
    step(f"locations ({estate.n_locations:,})", lambda: store.load("locations", path=estate.files["locations"]))
    step(f"managed repos ({estate.n_repos:,})", lambda: store.load("managed_repos", estate.managed_rows(connector)))
    posture = estate.posture_rows(connector, checks, args.posture_fail) if args.posture else []
    step(f"posture results ({len(posture):,})", lambda: store.load("posture_results", posture))
    days, snaps = estate.trend_rows()
    step("trend (30 days)", lambda: (store.load("finding_count_days", days),
                                     store.load("finding_count_snapshots", snaps)))
    step("target_finding_counts recount", lambda: (store.execute("DELETE FROM target_finding_counts"),
                                                   store.execute(RECOUNT)))
    step("analyze", store.analyze)
    res["load_total"] = sum(v for k, v in res["load"].items())
    if isinstance(store, PostgresStore):
        res["settings"] = ", ".join(f"{k} {store.scalar(f'SHOW {k}')}" for k in
                                    ("server_version", "shared_buffers", "work_mem", "jit",
                                     "max_parallel_workers_per_gather"))
    else:
        res["settings"] = f"SQLite {sqlite3.sqlite_version} in Python's sqlite3 (palisade links its own)"
    res["db_size"] = store.size()
    res["tfc_rows"] = int(store.scalar("SELECT count(*) FROM target_finding_counts"))
    log(f"    loaded in {res['load_total']:.0f} s; database {res['db_size']}; "
        f"target_finding_counts {res['tfc_rows']:,} rows")

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    serve_log = open(store.work / "serve.log", "w")
    server = subprocess.Popen([str(bin_), "serve", "--listen", f"127.0.0.1:{port}", "--no-worker", "--no-scheduler"],
                              env=store.env(), stdout=serve_log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(600):
            try:
                if urllib.request.urlopen(base + "/readyz", timeout=2).status == 200:
                    break
            except (urllib.error.URLError, OSError):
                pass
            if server.poll() is not None:
                sys.exit(f"palisade serve exited: {(store.work / 'serve.log').read_text()[-800:]}")
            time.sleep(0.1)
        res["rss_start"] = proc_stats(server.pid)["rss"]
        inv_offset = min(5000, estate.n_repos // 2 // 50 * 50)
        find_offset = min(1000, estate.expected["secret_high"] // 2)
        endpoints = [
            ("overview", f"/api/v1/overview"),
            ("inventory page", f"/api/v1/repos/inventory?limit=50&offset={inv_offset}&sort=findings"),
            ("findings filtered", f"/api/v1/findings?severity=high&kind=secret&limit=50&offset={find_offset}"),
        ]
        cookie = login(base)
        plan = [("admin", name, path, f"Authorization: Bearer {tokens['bench-admin']}") for name, path in endpoints]
        if cookie:
            plan.append(("admin", "console /overview", "/overview", f"Cookie: {cookie}"))
        else:
            log("    console sign-in failed: the console page is not loaded")
        if args.scoped:
            plan += [("reader (1 connector)", name, path, f"Authorization: Bearer {tokens['bench-reader']}")
                     for name, path in endpoints]
        # Alone: cold (first request after start), then warm.
        single = {}
        for who, name, path, header in plan:
            out = store.work / f"resp-{who.split()[0]}-{name.replace(' ', '-').replace('/', '')}"
            code, cold, size = curl(base + path, header, out)
            code2, warm, _ = curl(base + path, header, out)
            if code != 200 or code2 != 200:
                sys.exit(f"{path} as {who} answered {code}/{code2}: {out.read_text()[:400]}")
            single[(who, name)] = (cold, warm, size)
            res["single"].append([store.name, who, name, f"{cold:.1f}", f"{warm:.1f}", f"{size / 1024:.1f}"])
        res["checks"] = check_answers(store, estate)
        res["inv_offset"], res["find_offset"] = inv_offset, find_offset
        lua = store.work / "report.lua"
        lua.write_text(WRK_LUA)
        for who, name, path, header in plan:
            load = os.getloadavg()[0]
            before = proc_stats(server.pid)
            w = wrk(base + path, header, args, lua)
            after = proc_stats(server.pid)
            secs = w["duration_us"] / 1e6
            errors = w["status"] + w["connect"] + w["read"] + w["write"] + w["timeout"]
            rps = w["requests"] / secs
            cold, warm, size = single[(who, name)]
            done = w["requests"] > 0
            # CPU per request: with none finished, the CPU of the whole run is shown (marked in the table).
            row = {"who": who, "name": name, "rps": rps, "p50": w["p50"] / 1000 if done else None,
                   "p95": w["p95"] / 1000 if done else None, "p99": w["p99"] / 1000 if done else None,
                   "max": w["max"] / 1000 if done else None, "errors": errors, "requests": w["requests"],
                   "cpu_ms": (after["cpu"] - before["cpu"]) * 1000 / max(1, w["requests"]), "cold": cold,
                   "warm": warm, "size": size, "hwm": after["hwm"], "load": load}
            res["rows"].append(row)
            if done:
                log(f"    {who:20} {name:18} {rps:8.1f} req/s  p50 {row['p50']:7.1f}  p95 {row['p95']:7.1f}  "
                    f"p99 {row['p99']:7.1f} ms  {w['requests']} requests, errors {errors}, "
                    f"server CPU {row['cpu_ms']:.1f} ms/req, load average before {load:.1f}")
            else:
                log(f"    {who:20} {name:18} no request finished in {args.duration} s "
                    f"(server CPU {row['cpu_ms'] / 1000:.1f} s over the run), load average before {load:.1f}")
        end = proc_stats(server.pid)
        res["hwm"], res["rss_end"] = end["hwm"], end
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        serve_log.close()

    page_ids = []
    body = store.work / "resp-admin-findings-filtered"
    try:
        page_ids = [f["id"] for f in json.loads(body.read_text())["findings"]]
    except (OSError, ValueError, KeyError):
        pass
    fresh_after = int(time.time() * 1000) - FRESH_DAYS * DAY
    qs = queries(isinstance(store, PostgresStore), connector, fresh_after, res["inv_offset"], res["find_offset"],
                 page_ids)
    res["queries"] = time_queries(store, qs, store.work / "plans.txt")
    res["plans"] = store.work / "plans.txt"
    return res


def check_answers(store: Store, estate: Estate) -> list[str]:
    """The answers against the generator's counts."""
    problems = []
    exp = estate.expected
    try:
        ov = json.loads((store.work / "resp-admin-overview").read_text())
        total = ov["findings"]["total"]["total"]
        if total != exp["open_total"]:
            problems.append(f"overview open total {total} != expected {exp['open_total']}")
        if ov["findings"]["repos_with_open"] != exp["repos_with_open"]:
            problems.append(f"repos_with_open {ov['findings']['repos_with_open']} != {exp['repos_with_open']}")
        inv = json.loads((store.work / "resp-admin-inventory-page").read_text())
        if inv["total"] != exp["repos"] or len(inv["rows"]) != min(50, exp["repos"]):
            problems.append(f"inventory total {inv['total']} rows {len(inv['rows'])}")
        fl = json.loads((store.work / "resp-admin-findings-filtered").read_text())
        if fl["total"] != exp["secret_high"] or not fl["findings"]:
            problems.append(f"findings total {fl['total']} != expected {exp['secret_high']}")
        # The reader's one connector holds every repository: same answers through the scoped queries.
        for name in ("overview", "inventory-page", "findings-filtered"):
            mine = store.work / f"resp-reader-{name}"
            if mine.exists():
                a = json.loads((store.work / f"resp-admin-{name}").read_text())
                b = json.loads(mine.read_text())
                if name == "overview":
                    a, b = a["findings"], b["findings"]
                if a != b:
                    problems.append(f"the reader's {name} differs from the admin's")
    except (OSError, ValueError, KeyError, TypeError) as e:
        problems.append(f"unreadable answer: {e}")
    return problems


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repos", type=int, default=10_000)
    ap.add_argument("--findings", type=int, default=1_000_000)
    ap.add_argument("--projects", type=int, default=100)
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--duration", type=int, default=20, help="seconds of load per endpoint")
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--stores", default="sqlite,postgres")
    ap.add_argument("--no-scoped", dest="scoped", action="store_false",
                    help="skip the runs as a reader granted one connector")
    ap.add_argument("--no-posture", dest="posture", action="store_false", help="write no posture results")
    ap.add_argument("--posture-fail", type=float, default=0.35, help="fraction of posture results failing")
    ap.add_argument("--keep", action="store_true", help="keep the work folder and the PostgreSQL database")
    args = ap.parse_args()
    stores = [s.strip() for s in args.stores.split(",") if s.strip()]
    if os.environ.get("NO_PG") == "1":
        stores = [s for s in stores if s != "postgres"]
    pg_url = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/test")

    ensure_wrk()
    bin_ = build_palisade()
    work = fresh_dir(Path(os.environ.get("BENCH_DIR", "/tmp/palisade-bench-console")))
    checks = repo_checks()
    log(f"==> estate: {args.repos:,} repositories in {min(args.projects, args.repos)} projects of {ORG}, "
        f"{args.findings:,} findings, {len(checks)} repository posture checks (seed {args.seed})")
    t0 = time.monotonic()
    estate = Estate(args.repos, args.projects, args.findings, args.seed, work)
    estate.write_files(work)
    gen_s = time.monotonic() - t0
    log(f"    generated {estate.n_findings:,} findings, {estate.n_locations:,} locations in {gen_s:.1f} s "
        f"({sum(p.stat().st_size for p in estate.files.values()) / (1 << 20):.0f} MiB of TSV); "
        f"{estate.expected['open_total']:,} open per repository, {estate.expected['repos_with_open']:,} repositories "
        f"with open findings, {estate.expected['secret_high']:,} high secrets")
    results = []
    for s in stores:
        if s == "sqlite":
            store = SqliteStore(work / "sqlite")
        elif s == "postgres":
            store = PostgresStore(work / "postgres", pg_url, args.keep)
        else:
            sys.exit(f"unknown store {s}: sqlite or postgres")
        try:
            results.append(bench_store(bin_, store, estate, args, checks))
        finally:
            store.drop()
    (work / "results.json").write_text(json.dumps(
        [{k: (str(v) if isinstance(v, Path) else v) for k, v in r.items()} for r in results], indent=1, default=str))
    report(results, args, estate, gen_s)
    if not args.keep:
        for f in estate.files.values():
            f.unlink(missing_ok=True)
        shutil.rmtree(work / "sqlite", ignore_errors=True)
        for f in work.glob("*/*.tsv"):
            f.unlink()


def report(results: list[dict], args, estate: Estate, gen_s: float) -> None:
    log(f"\n== {args.findings:,} findings ({estate.n_locations:,} locations) over {args.repos:,} repositories; "
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s per endpoint, on loopback, "
        f"{os.cpu_count()} cores shared by wrk, palisade and the database\n")
    rows = []

    def ms(v):
        return "none done" if v is None else f"{v:.1f}"

    for r in results:
        for x in r["rows"]:
            rows.append([r["store"], x["who"], x["name"], f"{x['rps']:.1f}", x["requests"], ms(x["p50"]), ms(x["p95"]),
                         ms(x["p99"]), ms(x["max"]), x["errors"],
                         f"{x['cpu_ms']:.1f}" + ("" if x["requests"] else " (run)"),
                         f"{x['cold']:.0f}", f"{x['warm']:.0f}", f"{x['size'] / 1024:.1f}", f"{x['load']:.1f}"])
    log(table(["store", "caller", "endpoint", "req/s", "requests", "p50 ms", "p95 ms", "p99 ms", "max ms", "errors",
               "server CPU ms/req", "alone cold ms", "alone warm ms", "KiB", "loadavg"], rows,
              right=set(range(3, 15))))
    by = {(r["store"], x["who"], x["name"]): x for r in results for x in r["rows"]}
    for r in results:
        log(f"{r['store']}: {r['settings']}")
    if len(results) == 2:
        log("\nPostgreSQL / SQLite requests/s:")
        for (store, who, name), x in by.items():
            pg = by.get(("PostgreSQL", who, name))
            if store == "SQLite" and pg:
                ratio = f"{pg['rps'] / x['rps']:.2f}x" if x["rps"] and pg["rps"] else \
                    f"n/a (alone, warm: {x['warm'] / pg['warm']:.2f}x faster on PostgreSQL)"
                log(f"  {who:20} {name:18} {ratio}")
    log("\nLoading (s):")
    keys = list(dict.fromkeys(k for r in results for k in r["load"]))
    log(table(["step", *[r["store"] for r in results]],
              [[k, *[f"{r['load'].get(k, 0):.1f}" for r in results]] for k in keys]
              + [["total", *[f"{r['load_total']:.1f}" for r in results]],
                 ["database size", *[r["db_size"] for r in results]],
                 ["target_finding_counts rows", *[f"{r['tfc_rows']:,}" for r in results]],
                 ["server RSS at start MiB", *[f"{r['rss_start']:.0f}" for r in results]],
                 ["server peak RSS (VmHWM) MiB", *[f"{r['hwm']:.0f}" for r in results]],
                 ["server RSS at end, anon + file MiB",
                  *[f"{r['rss_end']['anon']:.0f} + {r['rss_end']['file']:.0f}" for r in results]]]))
    log(f"(generating the TSV rows once for both stores: {gen_s:.1f} s)")
    log("\nThe SQL of each endpoint alone (ms; PostgreSQL: EXPLAIN ANALYZE execution time, SQLite: Python "
        "sqlite3 wall time, best of 3):")
    names = list(dict.fromkeys(n for r in results for n in r["queries"]))
    log(table(["query", *[r["store"] for r in results]],
              [[n, *[f"{r['queries'].get(n, float('nan')):.1f}" for r in results]] for n in names]))
    for r in results:
        log(f"  plans: {r['plans']}")
        for p in r["checks"]:
            log(f"  {r['store']}: answer check FAILED: {p}")
        if not r["checks"]:
            log(f"  {r['store']}: answers match the generator (open totals, repositories with open findings, "
                "inventory total, filtered findings total)")
    log("")
    for store in ("PostgreSQL", "SQLite"):
        x = by.get((store, "admin", "overview"))
        if x:
            if x["p95"] is None:
                log(f"overview on {store}: no request finished under load (target < 300 ms p95: NOT met)")
                continue
            verdict = "met" if x["p95"] < 300 else "NOT met"
            target = "target" if store == "PostgreSQL" else "same bar, reported only"
            log(f"overview p95 on {store}: {x['p95']:.1f} ms ({target}: < 300 ms: {verdict})")


if __name__ == "__main__":
    main()
