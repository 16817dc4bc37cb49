#!/usr/bin/env python3
"""Posture evaluation of a generated 1,000-project estate, on SQLite and PostgreSQL.

1. `palisade sim --generate` serves PROJECTS projects (REPOS_PER_PROJECT repositories each) in one
   organization, with branch policies, pipelines, service connections, variable groups, environments,
   checks, pipeline permissions and Advanced Security to read.
2. For each store: a connector, `palisade discover` (which evaluates posture once as it ends), then
   `palisade posture run` twice, timed: the first after discovery's own evaluation (results exist,
   nothing changes) and a second identical one. Each run prints its own split: reading the inventory
   from the store, running every check, recording results, history and scores.
3. The checks alone, in process, are also timed by the report's `evaluate_ms`.

Target (issue 7): all checks over the stored inventory in under 5 seconds.

No peer tool is run: Defender for Cloud is SaaS and the AzSK ADO Scanner is a PowerShell module that
needs real Azure DevOps; neither can read the simulator offline. The figures are palisade's alone.

Environment: SKIP_BUILD=1 (use target/release/palisade as is), PROJECTS (1000), REPOS_PER_PROJECT (5),
SEED (7), PG_URL (postgres://postgres@127.0.0.1:5432/test), NO_PG=1 to skip PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from benchlib import build_palisade, fresh_dir, log, table, timed

PROJECTS = int(os.environ.get("PROJECTS", "1000"))
PER_PROJECT = int(os.environ.get("REPOS_PER_PROJECT", "5"))
SEED = int(os.environ.get("SEED", "7"))
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/test")

BIN = build_palisade()
work = fresh_dir(Path(os.environ.get("BENCH_DIR", "/tmp/palisade-bench-posture")))


def start_sim():
    pat_file = work / "pat"
    sim_log = open(work / "sim.log", "w")
    proc = subprocess.Popen(
        [str(BIN), "sim", "--generate", "--seed", str(SEED), "--projects", str(PROJECTS),
         "--repos-per-project", str(PER_PROJECT), "--pat-file", str(pat_file)],
        stdout=subprocess.PIPE, stderr=sim_log, text=True)
    for line in proc.stdout:
        if "listening on" in line:
            return proc, line.split("listening on ")[1].split()[0], pat_file.read_text().strip()
    sys.exit("the simulator did not start")


def env_for(name: str, db: str | None = None) -> dict:
    d = work / name
    d.mkdir()
    e = dict(os.environ)
    e.update({"PALISADE_DATABASE_URL": db or str(d / "palisade.db"), "PALISADE_KEY_FILE": str(d / "key"),
              "NO_COLOR": "1"})
    e.pop("PALISADE_LOG", None)
    return e


def run(env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    r = subprocess.run([str(BIN), *args], env=env, input=stdin, capture_output=True, text=True)
    if r.returncode not in (0, 1):
        sys.exit(f"palisade {' '.join(args)} failed ({r.returncode}): {r.stderr.strip()[-800:]}")
    return r


def measure(label: str, env: dict, url: str, pat: str) -> list[list]:
    run(env, "connector", "create", "ado-bench", "--org", "gen-org-0", "--pat-stdin",
        "--api-url", url, "--profile-url", url, "--login-url", url, stdin=pat + "\n")
    t0 = time.monotonic()
    d = run(env, "discover", "ado-bench", "--no-progress", "--format", "json")
    discover_s = time.monotonic() - t0
    report = json.loads(d.stdout)[0]["report"]
    resources = sum(report["run"]["counts"].values())
    if "Ok" not in report["posture"]:
        sys.exit(f"posture after discovery failed: {report['posture']}")
    first_posture = report["posture"]["Ok"]
    rows = []
    log(f"    {label}: discovery {discover_s:.1f} s, {resources} resources, "
        f"posture after discovery {first_posture['evaluate_ms']} ms checks + {first_posture['record_ms']} ms record")
    rows.append([label, "after discovery (first)", resources, first_posture["evaluation"]["results"],
                 first_posture["load_ms"], first_posture["evaluate_ms"], first_posture["record_ms"], "", ""])
    for i in (1, 2):
        out = work / f"{label}-posture-{i}.json"
        t = timed([str(BIN), "posture", "run", "--format", "json"], out, env=env)
        if t["rc"] != 0:
            sys.exit(f"posture run failed: {(out.with_name(out.name + '.stderr')).read_text()[-800:]}")
        r = json.loads(out.read_text())[0]["report"]
        rows.append([label, f"posture run #{i}", r["resources"], r["evaluation"]["results"], r["load_ms"],
                     r["evaluate_ms"], r["record_ms"], f"{t['wall']:.2f}", f"{t['rss_mib']:.0f}"])
    return rows


def main() -> None:
    log(f"==> simulator: 1 organization, {PROJECTS} projects x {PER_PROJECT} repositories (seed {SEED})")
    sim, url, pat = start_sim()
    rows: list[list] = []
    try:
        rows += measure("SQLite", env_for("sqlite"), url, pat)
        if os.environ.get("NO_PG") != "1":
            db = f"palisade_bench_posture_{os.getpid()}"
            base = PG_URL.rsplit("/", 1)[0]
            subprocess.run(["psql", PG_URL, "-q", "-c", f"DROP DATABASE IF EXISTS {db}"], check=True, capture_output=True)
            subprocess.run(["psql", PG_URL, "-q", "-c", f"CREATE DATABASE {db}"], check=True, capture_output=True)
            try:
                rows += measure("PostgreSQL", env_for("postgres", f"{base}/{db}"), url, pat)
            finally:
                subprocess.run(["psql", PG_URL, "-q", "-c", f"DROP DATABASE IF EXISTS {db}"], capture_output=True)
    finally:
        sim.terminate()
        sim.wait(timeout=30)
    log("")
    log(table(["store", "evaluation", "resources", "results", "read ms", "checks ms", "record ms",
               "process wall s", "peak RSS MiB"], rows, right=set(range(2, 9))))
    worst = max(float(r[7]) for r in rows if r[7])
    log(f"\nslowest `posture run` end to end: {worst:.2f} s (target < 5 s: {'met' if worst < 5 else 'NOT met'})")


if __name__ == "__main__":
    main()
