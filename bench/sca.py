#!/usr/bin/env python3
"""SCA benchmark: palisade `scan --analyzers dependency --advisories DIR` on generated lockfiles, and
against the one dependency scanner that runs offline here.

Two corpora, one run:

A. `multi/`: SCA_FILES (default 2000) projects, one lockfile each, in the formats palisade reads
   (requirements.txt, package-lock.json v3, poetry.lock, Pipfile.lock, yarn.lock, pom.xml, go.mod,
   Cargo.lock, NuGet packages.lock.json), each with 20-200 dependencies. About 15 % of the files
   pin a known-vulnerable version from the OSV fixtures (crates/palisade-advisories/tests/fixtures/osv,
   without malformed/), the rest pin fixed versions or packages no advisory names; SCA_SYNTH (default
   5000) extra generated OSV records for generated package names make the database larger, and
   some lockfiles pin affected versions of those. Every vulnerable pin is recorded, so palisade's
   findings are scored (recall and unexpected findings). No peer runs here (see B).
B. `pypi/`: SCA_PY_FILES (default 500) requirements.txt files with packages and versions chosen around
   the ranges of the safety-db package's database (pyup.io, 2021, shipped on PyPI: the only
   vulnerability database a peer can read offline). That database is converted into an OSV export
   (`<v` -> fixed, `<=v` -> last_affected, `>=v`/`>v` -> introduced, `==v` -> versions; empty
   ranges such as `>=1.8,<1.8c1` dropped) and given to
   palisade, so both tools answer from the same data: Safety 2.x (`safety check --db DIR -r ...`,
   own venv under /tmp) and palisade are timed on the same files and their (package, version,
   advisory) findings compared, with the expected answer computed here from the specs.

pip-audit and osv-scanner are tried and reported: pip-audit needs the PyPI JSON API or api.osv.dev
(not reachable here; it is probed once with a timeout), osv-scanner needs `go install`.

Usage: python3 bench/sca.py [--quick] [--keep]
Environment: SCA_FILES (2000), SCA_PY_FILES (500), SCA_SYNTH (5000), SEED (3), SKIP_BUILD,
PALISADE_BIN, BENCH_WORK (default: a new temp dir, removed at the end unless --keep).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from benchlib import (REPO, build_palisade, fresh_dir, log, palisade_env, ratio, table, timed,  # noqa: E402
                      tree_stats)

FIXTURES = REPO / "crates" / "palisade-advisories" / "tests" / "fixtures" / "osv"
SAFETY_VENV = Path(os.environ.get("BENCH_SAFETY_VENV", "/tmp/bench-venv-safety"))

# (ecosystem, name, vulnerable versions, clean versions, advisory id)
KNOWN = [
    ("PyPI", "Django", ["3.2.19", "4.1.9", "4.2.2"], ["3.2.20", "4.2.3", "5.0.6"], "GHSA-jh3w-4vvf-mjgr"),
    ("PyPI", "Flask-Cors", ["3.0.8", "1.10.0"], ["3.0.10", "4.0.1"], "PYSEC-2020-43"),
    ("npm", "lodash", ["4.17.20", "4.17.15"], ["4.17.21"], "GHSA-35jh-r3h4-6jhm"),
    ("npm", "lodash-es", ["4.17.15"], ["4.17.21"], "GHSA-35jh-r3h4-6jhm"),
    ("npm", "@babel/traverse", ["7.23.1", "7.20.0"], ["7.23.2", "7.24.0"], "GHSA-67hx-6x53-jw92"),
    ("npm", "lodash.merge", ["4.6.1"], ["4.6.2"], "GHSA-p6mc-m468-83gw"),
    ("Maven", "org.apache.logging.log4j:log4j-core", ["2.14.1", "2.13.3"], ["2.17.1", "2.20.0"], "GHSA-jfh8-c2jp-5v3q"),
    ("Maven", "org.apache.struts:struts2-core", ["2.5.26"], ["6.3.0.2"], "GHSA-9x4v-xx3w-5j2f"),
    ("Go", "github.com/docker/cli", ["v20.10.8+incompatible"], ["v20.10.9+incompatible", "v24.0.7+incompatible"], "GO-2022-0390"),
    ("crates.io", "time", ["0.1.45", "0.2.22"], ["0.2.23", "0.3.36"], "RUSTSEC-2020-0071"),
    ("NuGet", "Newtonsoft.Json", ["12.0.3", "11.0.2"], ["13.0.1", "13.0.3"], "GHSA-5crp-9r3c-p9vr"),
    ("NuGet", "System.Text.Encodings.Web", ["4.5.0", "5.0.0"], ["4.5.1", "6.0.0"], "GHSA-ghhp-997w-qr28"),
]

FORMATS = {  # format -> (ecosystem, share)
    "requirements.txt": ("PyPI", 0.25), "poetry.lock": ("PyPI", 0.08), "Pipfile.lock": ("PyPI", 0.05),
    "package-lock.json": ("npm", 0.25), "yarn.lock": ("npm", 0.07), "pom.xml": ("Maven", 0.08),
    "go.mod": ("Go", 0.07), "Cargo.lock": ("crates.io", 0.07), "packages.lock.json": ("NuGet", 0.08),
}


def h(s: str, n: int = 64) -> str:
    return hashlib.sha256(s.encode()).hexdigest()[:n]


def clean_name(eco: str, k: int) -> str:
    return {"PyPI": f"acme-lib-{k}", "npm": f"acme-mod-{k}", "Maven": f"com.acme:component-{k}",
            "Go": f"github.com/acme/pkg{k}", "crates.io": f"acme-crate-{k}", "NuGet": f"Acme.Component{k}"}[eco]


def synth_name(eco: str, k: int) -> str:
    return {"PyPI": f"bench-vuln-{k}", "npm": f"bench-vuln-{k}", "Maven": f"com.benchvuln:lib-{k}",
            "Go": f"github.com/benchvuln/m{k}", "crates.io": f"bench-vuln-{k}", "NuGet": f"BenchVuln.Lib{k}"}[eco]


def version_for(eco: str, v: str) -> str:
    return ("v" + v) if eco == "Go" and not v.startswith("v") else v


# --------------------------------------------------------------------------- lockfile writers


def write_lockfile(path: Path, fmt: str, deps: list[tuple[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "requirements.txt":
        body = "# generated for the palisade SCA benchmark\n" + "".join(f"{n}=={v}\n" for n, v in deps)
    elif fmt == "poetry.lock":
        body = "".join(f'[[package]]\nname = "{n}"\nversion = "{v}"\ndescription = ""\noptional = false\n'
                       f'python-versions = ">=3.8"\nfiles = []\n\n' for n, v in deps)
        body += '[metadata]\nlock-version = "2.0"\npython-versions = "^3.11"\ncontent-hash = "' + h(path.as_posix()) + '"\n'
    elif fmt == "Pipfile.lock":
        body = json.dumps({"_meta": {"hash": {"sha256": h(path.as_posix())}, "pipfile-spec": 6, "requires": {},
                                     "sources": [{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": True}]},
                           "default": {n.lower(): {"hashes": [], "version": f"=={v}"} for n, v in deps},
                           "develop": {}}, indent=4)
    elif fmt == "package-lock.json":
        pkgs = {"": {"name": path.parent.name, "version": "1.0.0",
                     "dependencies": {n: f"^{v}" for n, v in deps[: len(deps) // 3 + 1]}}}
        for n, v in deps:
            pkgs[f"node_modules/{n}"] = {"version": v, "resolved": f"https://registry.npmjs.org/{n}/-/{n.split('/')[-1]}-{v}.tgz",
                                         "integrity": "sha512-" + h(n + v, 86) + "=="}
        body = json.dumps({"name": path.parent.name, "version": "1.0.0", "lockfileVersion": 3, "requires": True,
                           "packages": pkgs}, indent=2)
    elif fmt == "yarn.lock":
        body = "# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.\n# yarn lockfile v1\n\n\n"
        for n, v in deps:
            key = f'"{n}@^{v}"' if n.startswith("@") else f"{n}@^{v}"
            body += (f'{key}:\n  version "{v}"\n  resolved "https://registry.yarnpkg.com/{n}/-/{n.split("/")[-1]}-{v}.tgz#{h(n + v, 40)}"\n'
                     f"  integrity sha512-{h(n + v, 86)}==\n\n")
    elif fmt == "pom.xml":
        items = []
        for n, v in deps:
            g, a = n.split(":")
            items.append(f"    <dependency>\n      <groupId>{g}</groupId>\n      <artifactId>{a}</artifactId>\n"
                         f"      <version>{v}</version>\n    </dependency>")
        body = ('<?xml version="1.0" encoding="UTF-8"?>\n<project xmlns="http://maven.apache.org/POM/4.0.0">\n'
                f"  <modelVersion>4.0.0</modelVersion>\n  <groupId>com.acme</groupId>\n  <artifactId>{path.parent.name}</artifactId>\n"
                "  <version>1.0.0</version>\n  <dependencies>\n" + "\n".join(items) + "\n  </dependencies>\n</project>\n")
    elif fmt == "go.mod":
        body = f"module github.com/acme/{path.parent.name}\n\ngo 1.21\n\nrequire (\n" + "".join(
            f"\t{n} {v}\n" for n, v in deps) + ")\n"
    elif fmt == "Cargo.lock":
        body = "# This file is automatically @generated by Cargo.\n# It is not intended for manual editing.\nversion = 3\n\n"
        body += "".join(f'[[package]]\nname = "{n}"\nversion = "{v}"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n'
                        f'checksum = "{h(n + v)}"\n\n' for n, v in deps)
    elif fmt == "packages.lock.json":
        body = json.dumps({"version": 1, "dependencies": {"net8.0": {
            n: {"type": "Direct", "requested": f"[{v}, )", "resolved": v, "contentHash": h(n + v, 88)} for n, v in deps}}},
            indent=2)
    else:
        raise ValueError(fmt)
    path.write_text(body)


# --------------------------------------------------------------------------- corpus A


def osv_record(adv_id: str, eco: str, name: str, fixed: str) -> dict:
    return {"schema_version": "1.6.0", "id": adv_id, "modified": "2024-01-01T00:00:00Z",
            "published": "2024-01-01T00:00:00Z", "summary": f"Generated advisory for {name}",
            "details": "Generated for the palisade SCA benchmark.",
            "affected": [{"package": {"ecosystem": eco, "name": name},
                          "ranges": [{"type": "SEMVER" if eco in ("Go", "crates.io", "npm") else "ECOSYSTEM",
                                      "events": [{"introduced": "0"}, {"fixed": fixed}]}]}],
            "database_specific": {"severity": "HIGH"}}


def build_multi(root: Path, adv: Path, n_files: int, n_synth: int, seed: int) -> dict:
    rng = random.Random(seed)
    for sub in FIXTURES.iterdir():
        if sub.is_dir() and sub.name != "malformed":
            shutil.copytree(sub, adv / sub.name)
    ecos = sorted({e for e, _ in FORMATS.values()})
    synth = defaultdict(list)
    for k in range(n_synth):
        eco = ecos[k % len(ecos)]
        name = synth_name(eco, k)
        rec = osv_record(f"BENCH-{k:06d}", eco, name, version_for(eco, "2.0.0"))
        d = adv / "generated" / eco.replace(".", "_")
        d.mkdir(parents=True, exist_ok=True)
        (d / f"BENCH-{k:06d}.json").write_text(json.dumps(rec))
        synth[eco].append((name, rec["id"]))
    known = defaultdict(list)
    for row in KNOWN:
        known[row[0]].append(row)
    fmts, shares = zip(*[(f, s) for f, (_, s) in FORMATS.items()])
    expected = []  # (file, ecosystem, name, version, advisory)
    per_format = Counter()
    for i in range(n_files):
        fmt = rng.choices(fmts, shares)[0]
        eco = FORMATS[fmt][0]
        deps = {}
        for _ in range(rng.randint(20, 200)):
            deps[clean_name(eco, rng.randint(0, 3000))] = version_for(eco, f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}")
        rel = f"{eco.replace('.', '_')}/proj{i:05d}/{fmt}"
        planted = []
        if rng.random() < 0.15:  # a known-vulnerable pin
            _, name, bad, _, adv_id = rng.choice(known[eco])
            v = rng.choice(bad)
            deps[name] = v
            planted.append((name, v, adv_id))
        elif rng.random() < 0.3 and known[eco]:  # a fixed version of a package with an advisory
            _, name, _, good, _ = rng.choice(known[eco])
            deps[name] = rng.choice(good)
        for _ in range(rng.choice([0, 0, 1, 2, 3])):  # generated advisories
            name, adv_id = rng.choice(synth[eco]) if synth[eco] else (None, None)
            if not name:
                break
            if name in deps:  # one version per package and file
                continue
            if rng.random() < 0.3:
                v = version_for(eco, f"1.{rng.randint(0, 9)}.{rng.randint(0, 9)}")
                planted.append((name, v, adv_id))
            else:
                v = version_for(eco, f"2.{rng.randint(0, 9)}.{rng.randint(0, 9)}")
            deps[name] = v
        items = list(deps.items())
        rng.shuffle(items)
        write_lockfile(root / rel, fmt, items)
        per_format[fmt] += 1
        expected += [(rel, eco, n, v, a) for n, v, a in planted]
    return {"expected": expected, "per_format": per_format}


# --------------------------------------------------------------------------- corpus B (safety-db)

SPEC = re.compile(r"^\s*(<=|>=|<|>|==|!=)\s*([0-9][0-9A-Za-z.\-+!]*)\s*$")


PEP440 = re.compile(r"^v?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?"
                    r"(?:[-_.]?(post|rev|r)[-_.]?(\d*))?(?:[-_.]?(dev)[-_.]?(\d*))?$")
PRE = {"a": 0, "alpha": 0, "b": 1, "beta": 1, "c": 2, "rc": 2, "pre": 2, "preview": 2}


def vkey(v: str):
    """PEP 440 order for release, pre (a/b/rc), post and dev segments: X.devN < X.aN < X.rcN < X < X.postN."""
    m = PEP440.match(v.strip().lower())
    if not m:
        return ((0,), (9, 0), (0, 0), (1, 0), v)
    rel = tuple(int(x) for x in m.group(1).split("."))
    while len(rel) > 1 and rel[-1] == 0:
        rel = rel[:-1]
    dev = (0, int(m.group(7) or 0)) if m.group(6) else (1, 0)
    if m.group(2):
        pre = (PRE[m.group(2)], int(m.group(3) or 0))
    else:
        pre = (-1, 0) if m.group(6) and not m.group(4) else (3, 0)
    post = (1, int(m.group(5) or 0)) if m.group(4) else (0, 0)
    return (rel, pre, post, dev, "")


def spec_ok(spec: str) -> list[tuple[str, str]] | None:
    out = []
    for part in spec.split(","):
        m = SPEC.match(part)
        if not m:
            return None
        out.append((m.group(1), m.group(2)))
    return out


def in_spec(v: str, spec: list[tuple[str, str]]) -> bool:
    k = vkey(v)
    for op, b in spec:
        kb = vkey(b)
        if not {"<": k < kb, "<=": k <= kb, ">": k > kb, ">=": k >= kb, "==": k == kb, "!=": k != kb}[op]:
            return False
    return True


def convert_safety_db(db: dict, adv: Path) -> tuple[dict, Counter]:
    """safety-db -> OSV files; returns {name: [(advisory id, [parsed specs])]} of what was converted."""
    converted = {}
    notes = Counter()
    d = adv / "PyPI"
    d.mkdir(parents=True, exist_ok=True)
    for name, advs in db.items():
        if name == "$meta":
            continue
        for a in advs:
            specs = [spec_ok(s) for s in a.get("specs", [])]
            if not specs or any(s is None for s in specs) or any(op == "!=" for s in specs for op, _ in s):
                notes["skipped (spec not convertible)"] += 1
                continue
            ranges, versions = [], []
            for s in specs:
                ops = dict(s)
                if "==" in ops:
                    versions.append(ops["=="])
                    continue
                lower = ops.get(">=") or ops.get(">")
                upper = ops.get("<") or ops.get("<=")
                if lower and upper and (vkey(lower) > vkey(upper) or (vkey(lower) == vkey(upper) and "<" in ops)):
                    notes["empty range dropped (e.g. '>=1.8,<1.8c1')"] += 1
                    continue
                if ">" in ops:
                    notes["'>' converted to 'introduced' (inclusive)"] += 1
                ev = [{"introduced": lower or "0"}]
                if "<" in ops:
                    ev.append({"fixed": ops["<"]})
                elif "<=" in ops:
                    ev.append({"last_affected": ops["<="]})
                ranges.append({"type": "ECOSYSTEM", "events": ev})
            adv_id = "PYUP-" + a["id"].removeprefix("pyup.io-")
            aff = {"package": {"ecosystem": "PyPI", "name": name}}
            if not ranges and not versions:
                continue
            if ranges:
                aff["ranges"] = ranges
            if versions:
                aff["versions"] = versions
            rec = {"schema_version": "1.6.0", "id": adv_id, "modified": "2021-07-17T00:00:00Z",
                   "summary": (a.get("advisory") or "")[:120], "details": a.get("advisory") or "",
                   "aliases": [a["cve"]] if a.get("cve") else [], "affected": [aff]}
            (d / f"{adv_id}.json").write_text(json.dumps(rec))
            converted.setdefault(name, []).append((adv_id, specs))
            notes["converted"] += 1
    return converted, notes


def around(rng: random.Random, bound: str) -> str:
    """A plain numeric version near `bound`: below it, equal, or above it."""
    nums = [int(x) for x in re.findall(r"\d+", bound)[:3]] or [1]
    while len(nums) < 3:
        nums.append(0)
    kind = rng.random()
    if kind < 0.4:  # just below
        for i in (2, 1, 0):
            if nums[i] > 0:
                nums[i] -= 1
                for j in range(i + 1, 3):
                    nums[j] = rng.randint(0, 9)
                break
    elif kind > 0.7:  # above
        nums[rng.randint(0, 2)] += rng.randint(1, 3)
    return ".".join(map(str, nums))


def build_pypi(root: Path, converted: dict, n_files: int, seed: int) -> list[tuple[str, str, str, str]]:
    rng = random.Random(seed + 1)
    names = sorted(converted)
    by_norm = defaultdict(list)  # PEP 503: `a.b` and `a-b` are one package, as for both tools
    for name, advs in converted.items():
        by_norm[norm_pkg(name)] += advs
    expected = []  # (file, name, version, advisory)
    for i in range(n_files):
        deps = {}
        for _ in range(rng.randint(10, 60)):
            deps[clean_name("PyPI", rng.randint(0, 3000))] = f"{rng.randint(0, 9)}.{rng.randint(0, 30)}.{rng.randint(0, 20)}"
        for _ in range(rng.randint(1, 6)):
            name = rng.choice(names)
            adv_id, specs = rng.choice(converted[name])
            bounds = [b for s in specs for _, b in s] or ["1.0"]
            deps[name] = around(rng, rng.choice(bounds))
        rel = f"app{i:04d}/requirements.txt"
        write_lockfile(root / rel, "requirements.txt", sorted(deps.items()))
        for name, v in deps.items():
            for adv_id, specs in by_norm.get(norm_pkg(name), []):
                if any(in_spec(v, s) for s in specs):
                    expected.append((rel, name, v, adv_id))
    return expected


# --------------------------------------------------------------------------- tools


def palisade_findings(out: Path, root: Path) -> list[dict]:
    data = json.loads(out.read_text())
    rows = []
    for f in data.get("findings", []):
        det = f.get("details") or {}
        for loc in f.get("locations") or [{}]:  # each location is one occurrence
            path = loc.get("path", "")
            if path.startswith(str(root)):
                path = path[len(str(root)):]
            rows.append({"path": path.lstrip("/"), "rule": f.get("rule_id"), "details": det,
                         "package": det.get("package") or det.get("name"), "version": det.get("version"),
                         "advisory": det.get("advisory") or det.get("advisory_id") or det.get("id") or f.get("rule_id"),
                         "ecosystem": det.get("ecosystem")})
    return rows


def norm_pkg(name: str | None) -> str:
    return re.sub(r"[-_.]+", "-", (name or "").lower())


def probe_pip_audit(work: Path) -> str:
    pa = shutil.which("pip-audit") or "/tmp/bench-venv/bin/pip-audit"
    if not Path(pa).exists():
        return "pip-audit is not installed (pip install pip-audit)"
    req = work / "probe" / "requirements.txt"
    req.parent.mkdir(parents=True, exist_ok=True)
    req.write_text("flask-cors==3.0.8\n")
    try:
        r = subprocess.run([pa, "-r", str(req), "--no-deps", "--disable-pip", "--progress-spinner", "off", "-f", "json"],
                           capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        return "pip-audit timed out after 60 s (network)"
    text = r.stdout + r.stderr
    if "not found on PyPI" in text:
        return "pip-audit could not run offline: its PyPI vulnerability service (pypi.org/pypi/<name>/<version>/json) is not reachable here (every package 'not found on PyPI')"
    if "api.osv.dev" in text or "NameResolution" in text or "ConnectionError" in text:
        return "pip-audit could not run offline: it needs api.osv.dev or the PyPI JSON API"
    return f"pip-audit answered (exit {r.returncode}); not used: it reads a live database, not the same data"


def safety_bin() -> tuple[Path | None, Path | None, str]:
    py = SAFETY_VENV / "bin" / "python"
    if not py.exists():
        log(f"==> creating {SAFETY_VENV} for Safety 2.x + safety-db (own venv: it pins an old `packaging`)")
        subprocess.run([sys.executable, "-m", "venv", str(SAFETY_VENV)], check=True)
    if not (SAFETY_VENV / "bin" / "safety").exists():
        r = subprocess.run([str(py), "-m", "pip", "install", "-q", "safety<3", "safety-db"], capture_output=True, text=True)
        if r.returncode != 0:
            return None, None, f"pip install safety<3 safety-db failed: {r.stderr.strip()[-300:]}"
    db = next(iter((SAFETY_VENV / "lib").glob("python3*/site-packages/safety_db")), None)
    if not db or not (db / "insecure_full.json").exists():
        return None, None, "safety-db's insecure_full.json not found"
    return SAFETY_VENV / "bin" / "safety", db, ""


def parse_safety_text(text: str) -> set[tuple[str, str, str]]:
    out = set()
    cur = None
    for line in text.splitlines():
        m = re.match(r"^-> Vulnerability found in (\S+) version (\S+)", line.strip())
        if m:
            cur = (m.group(1), m.group(2))
            continue
        m = re.match(r"^Vulnerability ID: (\S+)", line.strip())
        if m and cur:
            out.add((norm_pkg(cur[0]), cur[1], "PYUP-" + m.group(1)))
    return out


# --------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 200 + 50 files, 500 generated advisories")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    n_files = 200 if args.quick else int(os.environ.get("SCA_FILES", "2000"))
    n_py = 50 if args.quick else int(os.environ.get("SCA_PY_FILES", "500"))
    n_synth = 500 if args.quick else int(os.environ.get("SCA_SYNTH", "5000"))
    seed = int(os.environ.get("SEED", "3"))

    palisade = build_palisade()
    work = Path(os.environ.get("BENCH_WORK") or tempfile.mkdtemp(prefix="palisade-sca-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    outdir = fresh_dir(work / "out")
    penv = palisade_env(work / "home")
    summary = []
    try:
        # ------------------------------------------------------------------ A: multi-ecosystem, palisade alone
        multi, adv_a = fresh_dir(work / "multi"), fresh_dir(work / "advisories-multi")
        info = build_multi(multi, adv_a, n_files, n_synth, seed)
        files, nbytes = tree_stats(multi)
        n_adv = sum(1 for _ in adv_a.rglob("*.json"))
        log(f"==> multi/: {files} lockfiles ({', '.join(f'{k} {v}' for k, v in info['per_format'].most_common())}), "
            f"{nbytes / 2**20:.1f} MiB; {n_adv} OSV records; {len(info['expected'])} planted vulnerable pins")
        cmd = [str(palisade), "scan", str(multi), "--analyzers", "dependency", "--no-store", "--no-progress",
               "--format", "json", "--advisories", str(adv_a)]
        ra = timed(cmd, outdir / "palisade-multi.json", env=penv)
        log(f"    palisade: {ra['wall']:.2f} s, exit {ra['rc']}")
        rows_a = palisade_findings(outdir / "palisade-multi.json", multi) if ra["rc"] in (0, 1) else []
        if ra["rc"] not in (0, 1):
            log(f"    palisade FAILED: {(outdir / 'palisade-multi.json.stderr').read_text()[-1500:]}")
        # empty advisories: parse + walk floor
        empty = fresh_dir(work / "advisories-empty")
        re_ = timed(cmd[:-1] + [str(empty)], outdir / "palisade-multi-empty.json", env=penv)
        summary.append(["palisade (multi/, fixtures + generated advisories)", files, f"{ra['wall']:.2f}",
                        f"{files / ra['wall']:.0f}", f"{ra['cpu']:.1f}", f"{ra['rss_mib']:.0f}", "", ""])
        summary.append(["palisade (multi/, empty advisory folder)", files, f"{re_['wall']:.2f}",
                        f"{files / re_['wall']:.0f}", f"{re_['cpu']:.1f}", f"{re_['rss_mib']:.0f}", "", ""])

        got = defaultdict(set)
        for r in rows_a:
            got[(r["path"], norm_pkg(r["package"]))].add(str(r["advisory"]))
        found = missed = 0
        miss_examples = []
        exp_keys = set()
        for rel, eco, name, v, adv_id in info["expected"]:
            exp_keys.add((rel, norm_pkg(name)))
            hit = any(adv_id in a or a.endswith(adv_id) for a in got.get((rel, norm_pkg(name)), set())) or \
                bool(got.get((rel, norm_pkg(name))))
            found += hit
            if not hit:
                missed += 1
                if len(miss_examples) < 8:
                    miss_examples.append(f"{rel}: {name} {v} ({adv_id})")
        unexpected = [(k, a) for k, a in got.items() if k not in exp_keys]
        by_eco = Counter(e[1] for e in info["expected"])
        found_eco = Counter(e[1] for e in info["expected"] if got.get((e[0], norm_pkg(e[2]))))

        # ------------------------------------------------------------------ B: PyPI vs Safety on the same data
        safety, db_dir, why_not = safety_bin()
        peer_rows = []
        b_stats = None
        if safety:
            db = json.loads((db_dir / "insecure_full.json").read_text())
            adv_b = fresh_dir(work / "advisories-safety-db")
            converted, notes = convert_safety_db(db, adv_b)
            pypi = fresh_dir(work / "pypi")
            expected_b = build_pypi(pypi, converted, n_py, seed)
            pfiles, pbytes = tree_stats(pypi)
            log(f"==> pypi/: {pfiles} requirements.txt, {pbytes / 2**20:.2f} MiB; safety-db converted: "
                f"{', '.join(f'{k} {v}' for k, v in notes.items())}; {len(expected_b)} expected (file, package, advisory)")
            rp = timed([str(palisade), "scan", str(pypi), "--analyzers", "dependency", "--no-store", "--no-progress",
                        "--format", "json", "--advisories", str(adv_b)], outdir / "palisade-pypi.json", env=penv)
            log(f"    palisade: {rp['wall']:.2f} s, exit {rp['rc']}")
            reqs = sorted(str(p) for p in pypi.rglob("requirements.txt"))
            sargs = [str(safety), "check", "--db", str(db_dir), "--output", "text"]
            for r in reqs:
                sargs += ["-r", r]
            rs = timed(sargs, outdir / "safety-pypi.txt", timeout=1800)
            log(f"    safety: {rs['wall']:.2f} s, exit {rs['rc']} (64 = vulnerabilities found)")
            prow = palisade_findings(outdir / "palisade-pypi.json", pypi) if rp["rc"] in (0, 1) else []
            # Safety merges all files into one package list: compare distinct (package, version, advisory).
            p_set = {(norm_pkg(r["package"]), r["version"], str(r["advisory"])) for r in prow}
            s_set = parse_safety_text((outdir / "safety-pypi.txt").read_text(errors="replace"))
            e_set = {(norm_pkg(n), v, a) for _, n, v, a in expected_b}
            b_stats = {"p": p_set, "s": s_set, "e": e_set, "files": pfiles, "rp": rp, "rs": rs,
                       "p_files": len({r["path"] for r in prow}), "e_files": len({e[0] for e in expected_b})}
            peer_rows = [
                ["palisade (pypi/, safety-db as OSV)", pfiles, f"{rp['wall']:.2f}", f"{pfiles / rp['wall']:.0f}",
                 f"{rp['cpu']:.1f}", f"{rp['rss_mib']:.0f}", "1.0x", ""],
                ["safety 2.x check --db (pypi/)", pfiles, f"{rs['wall']:.2f}", f"{pfiles / rs['wall']:.0f}",
                 f"{rs['cpu']:.1f}", f"{rs['rss_mib']:.0f}", ratio(rs["wall"], rp["wall"]),
                 "TIMEOUT" if rs["timed_out"] else ""]]
        pip_audit = probe_pip_audit(work)

        # ------------------------------------------------------------------ report
        log("")
        log(f"SCA: {os.cpu_count()} cores")
        log(table(["run", "files", "wall s", "files/s", "CPU s", "peak RSS MiB", "palisade speedup", "note"],
                  summary + peer_rows))
        log("")
        log(f"multi/ (palisade alone): planted vulnerable pins found {found}/{len(info['expected'])} "
            f"({100 * found / max(1, len(info['expected'])):.1f} %), missed {missed}; "
            f"findings on pins not planted as vulnerable: {len(unexpected)}")
        log("  per ecosystem: " + ", ".join(f"{e} {found_eco[e]}/{n}" for e, n in sorted(by_eco.items())))
        for m in miss_examples:
            log(f"  missed: {m}")
        for (path, pkg), advs in unexpected[:8]:
            log(f"  unexpected: {path}: {pkg} -> {', '.join(sorted(advs))}")
        if b_stats:
            p, s, e = b_stats["p"], b_stats["s"], b_stats["e"]
            log("")
            log("pypi/ findings, distinct (package, version, advisory) (Safety merges its -r files, so per file is not comparable):")
            log(table(["", "palisade", "safety", "expected (from the specs)"], [
                ["total", len(p), len(s), len(e)],
                ["also expected", len(p & e), len(s & e), ""],
                ["expected but missing", len(e - p), len(e - s), ""],
                ["not expected", len(p - e), len(s - e), ""],
                ["palisade and safety agree", len(p & s), "", ""],
            ]))
            for label, diff in (("palisade only", sorted(p - s)[:6]), ("safety only", sorted(s - p)[:6]),
                                ("expected, palisade missing", sorted(e - p)[:6]),
                                ("palisade, not expected", sorted(p - e)[:6])):
                for x in diff:
                    log(f"  {label}: {x[0]} {x[1]} {x[2]}")
            x = b_stats["rs"]["wall"] / b_stats["rp"]["wall"]
            log(f"palisade is {x:.1f}x Safety's speed on pypi/ ({b_stats['files']} requirements files, same advisory data)")
        else:
            log(f"Safety could not run: {why_not}")
        log("")
        log(f"Peers: {pip_audit}. osv-scanner: not installable here (a Go program; no `go` toolchain, no binary "
            "download). npm audit / yarn audit send the dependency list to the registry's audit service, which "
            "is not a package download and is not used here.")
        if args.keep:
            log(f"(corpora and raw reports in {work})")
    finally:
        if not args.keep and not os.environ.get("BENCH_WORK"):
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
