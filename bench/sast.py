#!/usr/bin/env python3
"""SAST benchmark: palisade `scan --analyzers code` against Semgrep OSS with equivalent rules.

One run, the same trees for both tools:

1. `generated/`: SAST_FILES (default 2000) seeded Python and JavaScript files (60/40). Each file is
   ordinary filler code (classes, loops, string handling) with snippets, each one a function that is
   either flawed or a safe near-miss, for 9 Python and 8 JavaScript rule pairs: command injection, SQL
   injection, eval, weak hash, TLS verification disabled, yaml.load, pickle, DOM innerHTML,
   Math.random / random for secrets, hard-coded passwords. Every snippet's span and expected label is
   recorded, so each tool is scored per rule: flawed snippets found (recall) and safe snippets
   flagged (false positives), besides raw counts.
2. `real/` (unless --no-real or SAST_REAL=0): real code copied in, no clone needed: the Python standard
   library of this interpreter (without site-packages) and the JavaScript of /usr/lib/node_modules.
   Used for speed; findings there are only counted.
3. Semgrep OSS (`semgrep scan --config bench/semgrep-rules --metrics=off --disable-version-check
   --json --jobs 2`, installed into a venv under /tmp when missing) with the rules of
   bench/semgrep-rules/ (translations of the palisade rules, same ids), and palisade
   (`scan --analyzers code --no-store --no-progress --format json`, all its code rules, so it does
   more work than Semgrep here) on each tree.

Reported: files/s, MiB/s, wall, CPU, peak RSS, speed ratio (target: palisade >= 3x Semgrep) per tree,
and per rule pair: palisade hits vs Semgrep hits, planted flaws found, safe snippets flagged.

Usage: python3 bench/sast.py [--quick] [--no-real] [--keep] [--files N]
Environment: SAST_FILES (2000), SAST_REAL (1), SEED (5), SKIP_BUILD, PALISADE_BIN, BENCH_VENV,
BENCH_WORK (default: a new temp dir, removed at the end unless --keep), SEMGREP_TIMEOUT (3600 s).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import string
import subprocess
import sys
import sysconfig
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (BENCH, MIB, build_palisade, fresh_dir, log, palisade_env, peer_venv, ratio,  # noqa: E402
                      table, timed, tree_stats)

RULES_DIR = BENCH / "semgrep-rules"
ALNUM = string.ascii_letters + string.digits
PLACEHOLDER = ("change", "example", "placeholder", "dummy", "redacted", "your", "xxx", "test", "fake", "sample",
               "none", "null", "password", "secret")


def secret_value(rng: random.Random) -> str:
    while True:
        v = "".join(rng.choice(ALNUM) for _ in range(rng.randint(12, 24)))
        if not any(w in v.lower() for w in PLACEHOLDER):
            return v


# --------------------------------------------------------------------------- Python snippets
# Each template: (category, flawed?, text with {i} for a unique suffix and {s} for a random secret).

PY = [
    ("command-injection", True, '''def ping_{i}():
    host = request.args.get("host")
    os.system("ping -c 1 " + host)
'''),
    ("command-injection", True, '''def list_dir_{i}():
    name = input("directory? ")
    out = subprocess.check_output(f"ls -l {{name}}", shell=True)
    return out
'''),
    ("command-injection", True, '''def run_tool_{i}():
    target = sys.argv[1]
    return os.popen("tool --target " + target).read()
'''),
    ("command-injection", False, '''def ping_safe_{i}():
    host = request.args.get("host")
    subprocess.run(["ping", "-c", "1", host], check=True)
'''),
    ("command-injection", False, '''def ping_quoted_{i}():
    host = shlex.quote(request.args.get("host"))
    os.system("ping -c 1 " + host)
'''),
    ("sql-injection", True, '''def find_user_{i}(conn):
    uid = request.args["id"]
    cur = conn.cursor()
    cur.execute("SELECT * FROM users WHERE id = '%s'" % uid)
    return cur.fetchall()
'''),
    ("sql-injection", True, '''def delete_item_{i}(conn):
    name = request.form.get("name")
    conn.execute(f"DELETE FROM items WHERE name = '{{name}}'")
'''),
    ("sql-injection", False, '''def find_user_safe_{i}(conn):
    uid = request.args["id"]
    cur = conn.cursor()
    cur.execute("SELECT * FROM users WHERE id = ?", (uid,))
    return cur.fetchall()
'''),
    ("sql-injection", False, '''def page_{i}(conn):
    page = int(request.args.get("page", "1"))
    conn.execute("SELECT * FROM items LIMIT 20 OFFSET " + str(page * 20))
'''),
    ("eval-injection", True, '''def calc_{i}():
    expr = request.args.get("expr")
    return eval(expr)
'''),
    ("eval-injection", True, '''def load_plugin_{i}(source_text):
    namespace = {{}}
    exec(source_text, namespace)
    return namespace
'''),
    ("eval-injection", False, '''def parse_literal_{i}(text):
    return ast.literal_eval(text)
'''),
    ("eval-injection", False, '''def constant_{i}():
    return eval("2 + 40")
'''),
    ("weak-hash", True, '''def fingerprint_{i}(data):
    return hashlib.md5(data).hexdigest()
'''),
    ("weak-hash", True, '''def hash_password_{i}(pw):
    return hashlib.sha1(pw.encode()).hexdigest()
'''),
    ("weak-hash", True, '''def digest_{i}(data):
    h = hashlib.new("md5", data)
    return h.hexdigest()
'''),
    ("weak-hash", False, '''def fingerprint_safe_{i}(data):
    return hashlib.sha256(data).hexdigest()
'''),
    ("weak-hash", False, '''def cache_key_{i}(data):
    return hashlib.md5(data, usedforsecurity=False).hexdigest()
'''),
    ("tls-verification-disabled", True, '''def fetch_{i}(url):
    return requests.get(url, timeout=10, verify=False).json()
'''),
    ("tls-verification-disabled", True, '''def open_insecure_{i}(url):
    ctx = ssl._create_unverified_context()
    return urllib.request.urlopen(url, context=ctx).read()
'''),
    ("tls-verification-disabled", True, '''def client_context_{i}():
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx
'''),
    ("tls-verification-disabled", False, '''def fetch_safe_{i}(url):
    return requests.get(url, timeout=10, verify="/etc/ssl/certs/ca-certificates.crt").json()
'''),
    ("unsafe-yaml-load", True, '''def read_config_{i}(path):
    with open(path) as fh:
        return yaml.load(fh)
'''),
    ("unsafe-yaml-load", True, '''def read_objects_{i}(text):
    return yaml.load(text, Loader=yaml.Loader)
'''),
    ("unsafe-yaml-load", True, '''def read_unsafe_{i}(text):
    return yaml.unsafe_load(text)
'''),
    ("unsafe-yaml-load", False, '''def read_config_safe_{i}(path):
    with open(path) as fh:
        return yaml.safe_load(fh)
'''),
    ("unsafe-yaml-load", False, '''def read_config_loader_{i}(text):
    return yaml.load(text, Loader=yaml.SafeLoader)
'''),
    ("unsafe-deserialization", True, '''def restore_{i}(blob):
    return pickle.loads(blob)
'''),
    ("unsafe-deserialization", True, '''def restore_file_{i}(path):
    with open(path, "rb") as fh:
        return pickle.load(fh)
'''),
    ("unsafe-deserialization", True, '''def restore_code_{i}(blob):
    return marshal.loads(blob)
'''),
    ("unsafe-deserialization", False, '''def restore_json_{i}(blob):
    return json.loads(blob)
'''),
    ("unsafe-deserialization", False, '''def save_{i}(obj):
    return pickle.dumps(obj)
'''),
    ("hardcoded-credential", True, '''def connect_{i}():
    password = "{s}"
    return psycopg2.connect(host="db", user="app", password=password)
'''),
    ("hardcoded-credential", True, '''def client_{i}():
    return Client(endpoint="https://api.internal", api_key="{s}")
'''),
    ("hardcoded-credential", True, '''def settings_{i}():
    return {{"user": "svc", "client_secret": "{s}"}}
'''),
    ("hardcoded-credential", False, '''def connect_env_{i}():
    password = os.environ["DB_PASSWORD"]
    return psycopg2.connect(host="db", user="app", password=password)
'''),
    ("hardcoded-credential", False, '''def defaults_{i}():
    password = "changeme"
    return password
'''),
    ("insecure-random", True, '''def new_token_{i}():
    token = random.randint(100000, 999999)
    return token
'''),
    ("insecure-random", True, '''def reset_link_{i}():
    reset_code = "".join(random.choice(ALPHABET) for _ in range(12))
    return "/reset/" + reset_code
'''),
    ("insecure-random", False, '''def new_token_safe_{i}():
    token = secrets.token_hex(16)
    return token
'''),
    ("insecure-random", False, '''def backoff_{i}(attempt):
    delay = random.uniform(0.1, 0.5) * attempt
    return delay
'''),
]

PY_HEADER = '''"""Generated module {n} for the palisade SAST benchmark."""
import ast
import hashlib
import json
import marshal
import os
import pickle
import random
import secrets
import shlex
import ssl
import subprocess
import sys
import urllib.request

import psycopg2
import requests
import yaml
from flask import request

from .client import Client

ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"

'''


def py_filler(rng: random.Random, i: int) -> str:
    kind = rng.randint(0, 3)
    if kind == 0:
        return f'''class Record{i}:
    """A plain record."""

    def __init__(self, name, values=None):
        self.name = name
        self.values = list(values or [])

    def total(self):
        return sum(v for v in self.values if v is not None)

    def describe(self):
        return "{{}}: {{}} values, total {{}}".format(self.name, len(self.values), self.total())
'''
    if kind == 1:
        return f'''def summarize_{i}(rows):
    counts = {{}}
    for row in rows:
        key = row.get("kind", "other")
        counts[key] = counts.get(key, 0) + 1
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return [f"{{k}}={{v}}" for k, v in ordered]
'''
    if kind == 2:
        return f'''def normalize_{i}(text):
    words = [w.strip(".,;:!?").lower() for w in text.split()]
    words = [w for w in words if w and not w.isdigit()]
    if len(words) > {rng.randint(5, 50)}:
        words = words[:{rng.randint(5, 50)}]
    return " ".join(words)
'''
    return f'''def retry_{i}(fn, attempts={rng.randint(2, 6)}):
    last = None
    for n in range(attempts):
        try:
            return fn()
        except (OSError, ValueError) as exc:
            last = exc
            log_line = "attempt %d failed: %s" % (n, exc)
            print(log_line, file=sys.stderr)
    raise RuntimeError("gave up") from last
'''


# --------------------------------------------------------------------------- JavaScript snippets

JS = [
    ("command-injection", True, '''app.get("/ping{i}", (req, res) => {{
  const host = req.query.host;
  exec("ping -c 1 " + host, (err, out) => res.send(out));
}});
'''),
    ("command-injection", True, '''function listDir{i}() {{
  const dir = process.argv[2];
  return child_process.execSync(`ls -l ${{dir}}`).toString();
}}
'''),
    ("command-injection", False, '''app.get("/ping-safe{i}", (req, res) => {{
  execFile("ping", ["-c", "1", req.query.host], (err, out) => res.send(out));
}});
'''),
    ("command-injection", False, '''app.get("/seq{i}", (req, res) => {{
  const n = parseInt(req.query.n, 10);
  exec("seq " + n, (err, out) => res.send(out));
}});
'''),
    ("sql-injection", True, '''app.get("/users{i}/:id", (req, res) => {{
  db.query("SELECT * FROM users WHERE id = " + req.params.id, (err, rows) => res.json(rows));
}});
'''),
    ("sql-injection", True, '''async function findByName{i}(req, res) {{
  const name = req.body.name;
  const [rows] = await pool.execute(`SELECT * FROM items WHERE name = '${{name}}'`);
  res.json(rows);
}}
'''),
    ("sql-injection", False, '''app.get("/users-safe{i}/:id", (req, res) => {{
  db.query("SELECT * FROM users WHERE id = ?", [req.params.id], (err, rows) => res.json(rows));
}});
'''),
    ("eval-injection", True, '''app.post("/calc{i}", (req, res) => {{
  res.json({{ value: eval(req.body.expression) }});
}});
'''),
    ("eval-injection", True, '''function compile{i}(body) {{
  return new Function("input", body);
}}
'''),
    ("eval-injection", True, '''function schedule{i}(n) {{
  setTimeout("tick(" + n + ")", 100);
}}
'''),
    ("eval-injection", False, '''function parse{i}(text) {{
  return JSON.parse(text);
}}
'''),
    ("eval-injection", False, '''function scheduleSafe{i}(n) {{
  setTimeout(() => tick(n), 100);
}}
'''),
    ("weak-hash", True, '''function etag{i}(body) {{
  return crypto.createHash("md5").update(body).digest("hex");
}}
'''),
    ("weak-hash", True, '''function sign{i}(key, body) {{
  return crypto.createHmac("sha1", key).update(body).digest("hex");
}}
'''),
    ("weak-hash", False, '''function etagSafe{i}(body) {{
  return crypto.createHash("sha256").update(body).digest("hex");
}}
'''),
    ("tls-verification-disabled", True, '''function insecureGet{i}(host) {{
  return https.request({{ host, path: "/", rejectUnauthorized: false }});
}}
'''),
    ("tls-verification-disabled", True, '''function disableTls{i}() {{
  process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
}}
'''),
    ("tls-verification-disabled", False, '''function secureGet{i}(host) {{
  return https.request({{ host, path: "/", rejectUnauthorized: true }});
}}
'''),
    ("dom-xss", True, '''function render{i}(data) {{
  document.getElementById("out{i}").innerHTML = data.message;
}}
'''),
    ("dom-xss", True, '''function greet{i}() {{
  document.write("<h1>" + location.hash.slice(1) + "</h1>");
}}
'''),
    ("dom-xss", True, '''function show{i}(userInput) {{
  $("#panel{i}").html(userInput);
}}
'''),
    ("dom-xss", False, '''function renderText{i}(data) {{
  document.getElementById("out{i}").textContent = data.message;
}}
'''),
    ("dom-xss", False, '''function renderClean{i}(data) {{
  document.getElementById("out{i}").innerHTML = DOMPurify.sanitize(data.message);
}}
'''),
    ("dom-xss", False, '''function renderStatic{i}() {{
  document.getElementById("out{i}").innerHTML = "<b>ready</b>";
}}
'''),
    ("insecure-random", True, '''function newToken{i}() {{
  const token = Math.random().toString(36).slice(2);
  return token;
}}
'''),
    ("insecure-random", True, '''function newSession{i}() {{
  let sessionId = Math.floor(Math.random() * 1e9);
  return sessionId;
}}
'''),
    ("insecure-random", False, '''function jitter{i}() {{
  const delay = Math.random() * 100;
  return delay;
}}
'''),
    ("insecure-random", False, '''function newTokenSafe{i}() {{
  const token = crypto.randomBytes(16).toString("hex");
  return token;
}}
'''),
    ("hardcoded-credential", True, '''function dbConfig{i}() {{
  const dbPassword = "{s}";
  return {{ host: "db", user: "app", password: dbPassword }};
}}
'''),
    ("hardcoded-credential", True, '''function apiClient{i}() {{
  return new Client({{ endpoint: "https://api.internal", apiKey: "{s}" }});
}}
'''),
    ("hardcoded-credential", False, '''function dbConfigEnv{i}() {{
  const dbPassword = process.env.DB_PASSWORD;
  return {{ host: "db", user: "app", password: dbPassword }};
}}
'''),
]

JS_HEADER = '''// Generated module {n} for the palisade SAST benchmark.
"use strict";
const crypto = require("crypto");
const https = require("https");
const child_process = require("child_process");
const {{ exec, execFile }} = require("child_process");
const express = require("express");
const db = require("./db");
const pool = require("./pool");
const {{ Client }} = require("./client");

const app = express();

'''


def js_filler(rng: random.Random, i: int) -> str:
    kind = rng.randint(0, 2)
    if kind == 0:
        return f'''class Cache{i} {{
  constructor(limit = {rng.randint(10, 500)}) {{
    this.limit = limit;
    this.items = new Map();
  }}

  get(key) {{
    const value = this.items.get(key);
    if (value !== undefined) {{
      this.items.delete(key);
      this.items.set(key, value);
    }}
    return value;
  }}

  set(key, value) {{
    this.items.set(key, value);
    if (this.items.size > this.limit) {{
      this.items.delete(this.items.keys().next().value);
    }}
  }}
}}
'''
    if kind == 1:
        return f'''function groupBy{i}(rows, key) {{
  const out = {{}};
  for (const row of rows) {{
    const k = row[key] ?? "other";
    (out[k] = out[k] || []).push(row);
  }}
  return Object.entries(out).map(([k, v]) => `${{k}}: ${{v.length}}`);
}}
'''
    return f'''async function retry{i}(fn, attempts = {rng.randint(2, 6)}) {{
  let last;
  for (let n = 0; n < attempts; n++) {{
    try {{
      return await fn();
    }} catch (err) {{
      last = err;
      console.error("attempt " + n + " failed: " + err.message);
    }}
  }}
  throw new Error("gave up: " + last);
}}
'''


def build_generated(root: Path, n_files: int, seed: int) -> list[dict]:
    """Writes the generated tree; returns the planted snippets (file, start, end, rule, flawed)."""
    rng = random.Random(seed)
    planted = []
    for n in range(n_files):
        lang = "python" if n % 5 < 3 else "javascript"
        templates, header, filler, ext = (PY, PY_HEADER, py_filler, "py") if lang == "python" else \
            (JS, JS_HEADER, js_filler, "js")
        rel = f"{lang}/pkg{n // 50:03d}/module_{n}.{ext}"
        text = header.format(n=n)
        parts = []
        for k in range(rng.randint(4, 12)):
            parts.append(("filler", filler(rng, n * 100 + k)))
        for k in range(rng.randint(1, 4)):
            cat, flawed, tpl = rng.choice(templates)
            parts.insert(rng.randint(0, len(parts)), ((cat, flawed), tpl.format(i=f"{n}_{k}", s=secret_value(rng))))
        line = text.count("\n") + 1
        for tag, body in parts:
            body = body + "\n\n"
            if tag != "filler":
                cat, flawed = tag
                planted.append({"file": rel, "start": line, "end": line + body.count("\n") - 1,
                                "rule": f"code.{lang}.{cat}", "flawed": flawed})
            text += body
            line += body.count("\n")
        if lang == "javascript":
            text += 'module.exports = { app };\n'
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return planted


def build_real(root: Path) -> Counter:
    counts = Counter()
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    for src, label, ext in ((stdlib, "pystdlib", ".py"), (Path("/usr/lib/node_modules"), "node_modules", ".js")):
        if not src.is_dir():
            continue
        for dp, dns, fns in os.walk(src):
            dns[:] = sorted(d for d in dns if d not in ("site-packages", "__pycache__"))
            for f in sorted(fns):
                if not f.endswith(ext):
                    continue
                p = Path(dp, f)
                if p.is_symlink() or p.stat().st_size > 4 * MIB:
                    continue
                dst = root / label / p.relative_to(src)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(p, dst)
                counts[label] += 1
    return counts


# --------------------------------------------------------------------------- tools


def run_palisade(palisade: Path, tree: Path, out: Path, env: dict) -> tuple[dict, list[dict]]:
    r = timed([str(palisade), "scan", str(tree), "--analyzers", "code", "--no-store", "--no-progress",
               "--format", "json"], out, env=env)
    rows = []
    if r["rc"] in (0, 1):
        data = json.loads(out.read_text())
        for f in data.get("findings", []):
            # One finding per distinct flaw; identical code in one file is one finding with several
            # locations: each location is an occurrence, as Semgrep counts them.
            for loc in f.get("locations") or [{}]:
                path = loc.get("path", "")
                if path.startswith(str(tree)):
                    path = path[len(str(tree)):]
                rows.append({"rule": f.get("rule_id"), "path": path.lstrip("/").removeprefix("./"),
                             "line": loc.get("line")})
    else:
        log(f"    palisade FAILED (exit {r['rc']}): {out.with_name(out.name + '.stderr').read_text()[-1500:]}")
    return r, rows


def run_semgrep(semgrep: str, tree: Path, out: Path, timeout: float) -> tuple[dict, list[dict], int]:
    env = dict(os.environ, SEMGREP_ENABLE_VERSION_CHECK="0", SEMGREP_SEND_METRICS="off")
    r = timed([semgrep, "scan", "--config", str(RULES_DIR), "--metrics=off", "--disable-version-check", "--json",
               "--jobs", "2", "--max-target-bytes", str(4 * MIB), "--no-git-ignore", "--quiet", "."],
              out, env=env, cwd=tree, timeout=timeout)
    rows = []
    errors = 0
    try:
        data = json.loads(out.read_text())
        errors = len(data.get("errors", []))
        r["scanned"] = len((data.get("paths") or {}).get("scanned") or [])
        for res in data.get("results", []):
            cid = res["check_id"]
            rule = cid[cid.index("code."):] if "code." in cid else cid
            rows.append({"rule": rule, "path": res["path"].removeprefix("./"), "line": res["start"]["line"],
                         "end": res["end"]["line"]})
    except (json.JSONDecodeError, KeyError, ValueError) as e:
        log(f"    semgrep output unreadable ({e}); exit {r['rc']}: "
            f"{out.with_name(out.name + '.stderr').read_text()[-1500:]}")
    return r, rows, errors


def score(rows: list[dict], planted: list[dict], rule_ids: list[str]) -> dict:
    """Per rule: hits, flawed snippets found, safe snippets flagged (hits attributed by file and span)."""
    spans = defaultdict(list)
    for p in planted:
        spans[p["file"]].append(p)
    out = {r: {"hits": 0, "tp": set(), "fp": set()} for r in rule_ids}
    for row in rows:
        if row["rule"] not in out:
            continue
        out[row["rule"]]["hits"] += 1
        for p in spans.get(row["path"], []):
            if p["rule"] == row["rule"] and p["start"] <= row["line"] <= p["end"]:
                (out[row["rule"]]["tp"] if p["flawed"] else out[row["rule"]]["fp"]).add((p["file"], p["start"]))
    return out


def semgrep_rule_ids() -> list[str]:
    ids = []
    for f in sorted(RULES_DIR.glob("*.yml")):
        for line in f.read_text().splitlines():
            s = line.strip()
            if s.startswith("- id: "):
                ids.append(s[len("- id: "):].strip())
    return ids


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 200 generated files, no real tree")
    ap.add_argument("--files", type=int, default=int(os.environ.get("SAST_FILES", "2000")))
    ap.add_argument("--no-real", action="store_true", help="skip the real-code tree")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (trees and reports)")
    args = ap.parse_args()
    n_files = 200 if args.quick else args.files
    with_real = not (args.quick or args.no_real or os.environ.get("SAST_REAL", "1") == "0")
    seed = int(os.environ.get("SEED", "5"))
    timeout = float(os.environ.get("SEMGREP_TIMEOUT", "3600"))

    palisade = build_palisade()
    venv = peer_venv("semgrep")
    semgrep = shutil.which("semgrep") or str(venv / "semgrep")
    sg_version = subprocess.run([semgrep, "--version"], capture_output=True, text=True,
                                env=dict(os.environ, SEMGREP_ENABLE_VERSION_CHECK="0")).stdout.strip()
    work = Path(os.environ.get("BENCH_WORK") or tempfile.mkdtemp(prefix="palisade-sast-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        gen = fresh_dir(work / "generated")
        planted = build_generated(gen, n_files, seed)
        trees = {"generated": gen}
        if with_real:
            real = fresh_dir(work / "real")
            counts = build_real(real)
            trees["real"] = real
            log(f"==> real tree: {', '.join(f'{k} {v} files' for k, v in counts.items())}")
        outdir = fresh_dir(work / "out")
        penv = palisade_env(work / "home")
        rule_ids = semgrep_rule_ids()

        results = {}
        for name, tree in trees.items():
            files, nbytes = tree_stats(tree)
            # Without a .semgrepignore Semgrep applies its default one, which skips test/ and tests/
            # folders (a third of the standard library): an empty one makes it scan what palisade scans.
            (tree / ".semgrepignore").write_text("")
            log(f"==> {name}: {files} files, {nbytes / MIB:.1f} MiB")
            for dp, _, fns in os.walk(tree):  # warm the page cache
                for f in fns:
                    Path(dp, f).read_bytes()
            log("    palisade scan --analyzers code")
            pr, prows = run_palisade(palisade, tree, outdir / f"palisade-{name}.json", penv)
            log(f"      {pr['wall']:.2f} s, exit {pr['rc']}, {len(prows)} findings")
            log(f"    semgrep {sg_version} ({len(rule_ids)} rules, --jobs 2)")
            sr, srows, serr = run_semgrep(semgrep, tree, outdir / f"semgrep-{name}.json", timeout)
            log(f"      {sr['wall']:.2f} s, exit {sr['rc']}, {len(srows)} findings, {serr} errors, "
                f"{sr.get('scanned', '?')} files scanned")
            results[name] = {"files": files, "bytes": nbytes, "palisade": pr, "semgrep": sr,
                             "prows": prows, "srows": srows, "semgrep_errors": serr}

        # ------------------------------------------------------------------ speed table
        log("")
        log(f"SAST: {os.cpu_count()} cores; semgrep {sg_version} with {len(rule_ids)} translated rules; "
            f"palisade with all its code rules")
        rows = []
        for name, res in results.items():
            for tool in ("palisade", "semgrep"):
                r = res[tool]
                status = "ok" if r["rc"] in (0, 1) else ("TIMEOUT" if r["timed_out"] else f"exit {r['rc']}")
                sp = "1.0x" if tool == "palisade" else ratio(res["semgrep"]["wall"], res["palisade"]["wall"])
                rows.append([f"{name}/{tool}", res["files"], f"{res['bytes'] / MIB:.1f}", f"{r['wall']:.2f}",
                             f"{res['files'] / r['wall']:.0f}", f"{res['bytes'] / MIB / r['wall']:.2f}",
                             f"{r['cpu']:.1f}", f"{r['rss_mib']:.0f}", sp, status])
        log(table(["tree/tool", "files", "MiB", "wall s", "files/s", "MiB/s", "CPU s", "peak RSS MiB",
                   "palisade speedup", "status"], rows))
        for name, res in results.items():
            x = res["semgrep"]["wall"] / res["palisade"]["wall"]
            log(f"TARGET palisade >= 3x Semgrep on {name}: {x:.1f}x -> {'MET' if x >= 3 else 'NOT MET'}")

        # ------------------------------------------------------------------ findings table
        g = results["generated"]
        ps, ss = score(g["prows"], planted, rule_ids), score(g["srows"], planted, rule_ids)
        flawed = Counter(p["rule"] for p in planted if p["flawed"])
        safe = Counter(p["rule"] for p in planted if not p["flawed"])
        log("")
        log(f"Findings per rule pair on generated/ ({len(planted)} snippets: {sum(flawed.values())} flawed, "
            f"{sum(safe.values())} safe near-misses)")
        rows = []
        tot = Counter()
        for rid in rule_ids:
            p, s = ps[rid], ss[rid]
            tot.update(pl=flawed[rid], sf=safe[rid], ph=p["hits"], sh=s["hits"], ptp=len(p["tp"]), stp=len(s["tp"]),
                       pfp=len(p["fp"]), sfp=len(s["fp"]))
            note = "palisade fewer" if p["hits"] < s["hits"] else ""
            rows.append([rid, flawed[rid], safe[rid], p["hits"], s["hits"], len(p["tp"]), len(s["tp"]), len(p["fp"]),
                         len(s["fp"]), note])
        rows.append(["TOTAL", tot["pl"], tot["sf"], tot["ph"], tot["sh"], tot["ptp"], tot["stp"], tot["pfp"], tot["sfp"], ""])
        log(table(["rule (palisade id = semgrep id)", "flawed", "safe", "pal hits", "sg hits", "pal found",
                   "sg found", "pal FP", "sg FP", ""], rows, right=set(range(1, 9))))
        if "real" in results:
            r = results["real"]
            pc = Counter(x["rule"] for x in r["prows"] if x["rule"] in set(rule_ids))
            sc = Counter(x["rule"] for x in r["srows"])
            log("")
            log("Hits on real/ (no ground truth; same rule pairs):")
            log(table(["rule", "palisade", "semgrep"], [[rid, pc[rid], sc[rid]] for rid in rule_ids if pc[rid] or sc[rid]]
                      + [["TOTAL", sum(pc.values()), sum(sc.values())]]))
            other = Counter(x["rule"] for x in r["prows"] if x["rule"] not in set(rule_ids))
            log(f"palisade hits from its other code rules on real/: {sum(other.values())} "
                f"({', '.join(f'{k} {v}' for k, v in other.most_common(6))})")
        (work / "results.json").write_text(json.dumps({
            name: {k: v for k, v in res.items() if k not in ("prows", "srows")} for name, res in results.items()},
            indent=1, default=str))
        if args.keep:
            log(f"(trees and raw reports in {work})")
    finally:
        if not args.keep and not os.environ.get("BENCH_WORK"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
