#!/usr/bin/env python3
"""Managed-scan benchmark: palisade scanning a generated estate behind the ADO simulator.

One run, same estate for every configuration:

1. `palisade sim --generate --realistic` serves REPOS repositories of varied size (some with hundreds
   of commits, some with several MiB, some empty) with planted secrets, with LATENCY_MS added to each
   REST call. A warm-up pass materializes every repository in the simulator first, so no timing
   includes the simulator's own `git fast-import`.
2. SQLite, one process: `repos scan --slots SLOTS` (clone + history scan of every repository);
   then the same again with no change (fetch + nothing new to read): the ratio is the incremental gain.
3. PostgreSQL, two `palisade worker` processes sharing the queue (`repos scan --no-wait` queues,
   the workers drain it): wall time until the queue is empty; then the no-change rescan.
4. Baseline floor: `git clone --mirror` of every repository with one process (no scanning).
5. PR scan latency: `palisade serve` receives the simulator's service-hook deliveries; for PRS pull
   requests of 20 changed files each, the time from the delivery of `git.pullrequest.created` to the
   `palisade/security` status being set (p50/p95).

Reports repos/min, MiB/s scanned, success rate and peak RSS for each. Environment: REPOS (500),
LATENCY_MS (20), SLOTS (2), PRS (20), SEED (7), PG_URL (postgres://postgres@127.0.0.1:5432/test).
"""

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPOS = int(os.environ.get("REPOS", "500"))
LATENCY_MS = int(os.environ.get("LATENCY_MS", "20"))
SLOTS = int(os.environ.get("SLOTS", "2"))
PRS = int(os.environ.get("PRS", "20"))
SEED = int(os.environ.get("SEED", "7"))
PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/test")
PROJECTS = max(1, REPOS // 50)
PER_PROJECT = max(1, REPOS // PROJECTS)

work = Path(os.environ.get("BENCH_WORK", ROOT / "bench" / "work" / "managed"))
# The simulator's materialized repositories are kept between runs of the same estate.
work.mkdir(parents=True, exist_ok=True)
for old in work.iterdir():
    if old.name != f"sim-data-{SEED}-{REPOS}":
        shutil.rmtree(old) if old.is_dir() else old.unlink()


def log(msg):
    print(msg, flush=True)


def build():
    log("==> building palisade (release)")
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "palisade-cli"], cwd=ROOT, check=True)
    return ROOT / "target" / "release" / "palisade"


BIN = build()


def run(env, *args, stdin=None, check=True):
    r = subprocess.run([str(BIN), *args], env=env, input=stdin, capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.exit(f"palisade {' '.join(args)} failed ({r.returncode}):\n{r.stdout}\n{r.stderr}")
    return r


def timed(env, *args):
    """Runs palisade, returns (seconds, peak RSS MiB of that process, result)."""
    t = time.monotonic()
    r = subprocess.run(
        ["/usr/bin/time", "-f", "%M", str(BIN), *args], env=env, capture_output=True, text=True
    )
    dt = time.monotonic() - t
    if r.returncode != 0:
        sys.exit(f"palisade {' '.join(args)} failed:\n{r.stdout}\n{r.stderr}")
    rss_kb = int(r.stderr.strip().splitlines()[-1])
    return dt, rss_kb / 1024, r


def start_sim():
    log(f"==> simulator: {REPOS} generated repositories, {LATENCY_MS} ms REST latency")
    pat_file = work / "pat"
    sim_log = open(work / "sim.log", "w")
    proc = subprocess.Popen(
        [str(BIN), "sim", "--generate", "--realistic", "--seed", str(SEED), "--projects", str(PROJECTS),
         "--repos-per-project", str(PER_PROJECT), "--latency-ms", str(LATENCY_MS),
         "--pat-file", str(pat_file), "--data-dir", str(work / f"sim-data-{SEED}-{REPOS}")],
        stdout=subprocess.PIPE, stderr=sim_log, text=True)
    url = None
    for line in proc.stdout:
        if "listening on" in line:
            url = line.split("listening on ")[1].split()[0]
            break
    if not url:
        sys.exit("the simulator did not start")
    return proc, url, pat_file.read_text().strip()


def env_for(name, db=None):
    d = work / name
    d.mkdir()
    e = dict(os.environ)
    e.update({
        "PALISADE_DATABASE_URL": db or str(d / "palisade.db"),
        "PALISADE_KEY_FILE": str(d / "key"),
        "PALISADE_CACHE_DIR": str(d / "clones"),
        "NO_COLOR": "1",
    })
    e.pop("PALISADE_LOG", None)
    return e, d


def connect(env, url, pat):
    run(env, "connector", "create", "ado-bench", "--org", "gen-org-0", "--pat-stdin",
        "--api-url", url, "--profile-url", url, "--login-url", url, stdin=pat + "\n")
    run(env, "discover", "ado-bench", "--no-progress")
    run(env, "repos", "settings", "--batch-size", "100")
    run(env, "repos", "enable", "--all", "--no-pr")


def scanned(env, since_ms, until_ms=None):
    """(repos scanned ok, repos failed, bytes) over managed scans started in [since_ms, until_ms)."""
    scans = json.loads(run(env, "scans", "list", "--format", "json", "--limit", "100000").stdout)
    mine = [s for s in scans if s.get("context") and since_ms <= parse_ts(s["started_at"]) * 1000
            and (until_ms is None or parse_ts(s["started_at"]) * 1000 < until_ms)]
    ok = [s for s in mine if s["status"] in ("completed", "completed-with-errors")]
    return len(ok), len(mine) - len(ok), sum(s["bytes"] for s in ok)


def now_ms():
    return int(time.time() * 1000)


def report(label, secs, rss, env, since, until=None):
    ok, failed, nbytes = scanned(env, since, until)
    total = ok + failed
    rate = 100.0 * ok / total if total else 0.0
    log(f"{label:44} {secs:8.1f} s  {60 * ok / secs:8.1f} repos/min  {nbytes / secs / 2**20:7.1f} MiB/s"
        f"  success {rate:5.1f}% ({ok}/{total})  peak RSS {rss:6.0f} MiB")
    return secs


def sqlite_run(url, pat):
    env, _ = env_for("sqlite")
    connect(env, url, pat)
    t0 = now_ms()
    secs, rss, _ = timed(env, "repos", "scan", "--slots", str(SLOTS))
    first = report(f"SQLite, 1 process, {SLOTS} slots: first scan", secs, rss, env, t0)
    t1 = now_ms()
    secs, rss, _ = timed(env, "repos", "scan", "--slots", str(SLOTS))
    second = report("SQLite: second scan, no changes", secs, rss, env, t1)
    log(f"{'':44} no-change rescan is {first / second:.1f}x faster (target >= 10x)")


def queue_empty(env):  # noqa: D103
    jobs = json.loads(run(env, "jobs", "list", "--format", "json", "--state", "queued,running",
                          "--limit", "1").stdout)
    return not jobs


def postgres_run(url, pat):
    schema_db = f"palisade_bench_{os.getpid()}"
    base = PG_URL.rsplit("/", 1)[0]
    subprocess.run(["psql", PG_URL, "-q", "-c", f"DROP DATABASE IF EXISTS {schema_db}"], check=True,
                   capture_output=True)
    subprocess.run(["psql", PG_URL, "-q", "-c", f"CREATE DATABASE {schema_db}"], check=True,
                   capture_output=True)
    db = f"{base}/{schema_db}"
    try:
        env, d = env_for("postgres", db)
        connect(env, url, pat)
        workers = [subprocess.Popen(
            [str(BIN), "worker", "--slots", str(max(1, SLOTS // 2))],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
        times = []
        for label in ("PostgreSQL, 2 worker processes: first scan", "PostgreSQL: second scan, no changes"):
            t0 = now_ms()
            start = time.monotonic()
            # Queues batch after batch and waits while the two workers run them.
            run(env, "repos", "scan", "--slots", "0")
            times.append((label, time.monotonic() - start, t0))
        rss = max(peak_rss_mib(w.pid) for w in workers)
        for w in workers:
            w.send_signal(signal.SIGTERM)
            w.wait(timeout=120)
        first = report(times[0][0], times[0][1], rss, env, times[0][2], times[1][2])
        second = report(times[1][0], times[1][1], rss, env, times[1][2])
        log(f"{'':44} no-change rescan is {first / second:.1f}x faster (target >= 10x)")
    finally:
        subprocess.run(["psql", PG_URL, "-q", "-c", f"DROP DATABASE IF EXISTS {schema_db}"],
                       capture_output=True)


def git_floor(url, pat):
    env, d = env_for("git-floor")
    connect(env, url, pat)
    repos = json.loads(run(env, "repos", "list", "--format", "json").stdout)
    header = "Authorization: Basic " + __import__("base64").b64encode((":" + pat).encode()).decode()
    genv = dict(os.environ, GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="http.extraHeader",
                GIT_CONFIG_VALUE_0=header, GIT_TERMINAL_PROMPT="0")
    start = time.monotonic()
    for i, r in enumerate(repos):
        remote = r["remote_url"].replace("gen-org-0@", "")
        subprocess.run(["git", "clone", "--quiet", "--mirror", remote, str(d / f"{i}.git")], env=genv,
                       capture_output=True)
    secs = time.monotonic() - start
    log(f"{'git clone --mirror of every repo (no scan)':44} {secs:8.1f} s  {60 * len(repos) / secs:8.1f} repos/min")


def pr_latency(url, pat):
    env, d = env_for("pr")
    run(env, "connector", "create", "ado-bench", "--org", "gen-org-0", "--pat-stdin",
        "--api-url", url, "--profile-url", url, "--login-url", url, stdin=pat + "\n")
    run(env, "discover", "ado-bench", "--no-progress")
    offered = json.loads(run(env, "repos", "list", "--format", "json").stdout)
    chosen = [f"{r['project']}/{r['name']}" for r in offered if r["default_branch"]][:PRS]
    run(env, "repos", "enable", *chosen)
    serve_log = open(d / "serve.log", "w")
    serve = subprocess.Popen([str(BIN), "serve", "--listen", "127.0.0.1:0", "--slots", str(SLOTS),
                              "--schedule-every", "3600"], env=env, stdout=subprocess.PIPE,
                             stderr=serve_log, text=True)
    try:
        line = serve.stdout.readline()
        server = line.split("listening on ")[1].strip()
        run(env, "repos", "settings", "--webhook-url", server)
        # Full scans and subscriptions first, so PR scans have a warm cache.
        deadline = time.monotonic() + 3600
        while not queue_empty(env) and time.monotonic() < deadline:
            time.sleep(1)
        repos = json.loads(run(env, "repos", "list", "--format", "json").stdout)
        targets = [r for r in repos if r["default_branch"]][:PRS]
        latencies = []
        for i, r in enumerate(targets):
            files = {f"src/feature{i}/file{j}.txt": f"line one\nvalue {j}\n" for j in range(19)}
            files[f"src/feature{i}/secrets.env"] = "aws_access_key_id = AKIA" + "Q3EGRJ7RWHPM4N2T\n"
            api = f"{url}/_sim/orgs/gen-org-0/projects/{r['project']}/repos/{r['name']}"
            post(f"{api}/commits", {"branch": f"feature/{i}", "from_branch": r["default_branch"],
                                    "message": "feature", "files": files})
            pr = post(f"{api}/pullrequests", {"source": f"feature/{i}", "target": r["default_branch"],
                                              "title": "feature"})
            sent = None
            status_at = None
            end = time.monotonic() + 120
            while time.monotonic() < end and status_at is None:
                time.sleep(0.05)
                if sent is None:
                    for dl in get(f"{url}/_sim/hooks/deliveries"):
                        res = dl["payload"].get("resource", {})
                        if dl["event_type"] == "git.pullrequest.created" and \
                                res.get("pullRequestId") == pr["pull_request_id"] and dl["attempts"]:
                            sent = dl["attempts"][0]["at"]
                status = get_statuses(url, pat, r, pr["pull_request_id"])
                final = [s for s in status if s["context"]["name"] == "security"
                         and s["state"] in ("succeeded", "failed", "notApplicable")]
                if final:
                    status_at = final[-1]["creationDate"]
            if sent and status_at:
                latencies.append(parse_ts(status_at) - parse_ts(sent))
        if latencies:
            latencies.sort()
            p50 = statistics.median(latencies)
            p95 = latencies[min(len(latencies) - 1, int(round(0.95 * (len(latencies) - 1))))]
            log(f"{'PR scan: delivery -> status (20-file PRs)':44} p50 {p50:.2f} s  p95 {p95:.2f} s  "
                f"({len(latencies)} PRs; target p95 < 5 s)")
        else:
            log("PR scan latency: no PR got a status (see bench/work/managed/pr/serve.log)")
    finally:
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)


def peak_rss_mib(pid):
    """VmHWM of a live process: its peak resident set so far."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def post(u, body):
    req = urllib.request.Request(u, data=json.dumps(body).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def get(u):
    with urllib.request.urlopen(u) as r:
        return json.loads(r.read())


def get_statuses(url, pat, repo, pr):
    import base64
    u = (f"{url}/gen-org-0/{repo['project']}/_apis/git/repositories/{repo['name']}/pullRequests/{pr}"
         f"/statuses?api-version=7.1")
    req = urllib.request.Request(u, headers={
        "Authorization": "Basic " + base64.b64encode((":" + pat).encode()).decode(),
        "X-TFS-FedAuthRedirect": "Suppress"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())["value"]


def parse_ts(s):
    from datetime import datetime
    return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def main():
    sim, url, pat = start_sim()
    try:
        log("==> warm-up: materializing every repository in the simulator")
        env, _ = env_for("warmup")
        connect(env, url, pat)
        run(env, "repos", "scan", "--slots", str(SLOTS))
        log(f"\n{REPOS} repositories, {LATENCY_MS} ms latency, {os.cpu_count()} cores")
        git_floor(url, pat)
        sqlite_run(url, pat)
        postgres_run(url, pat)
        pr_latency(url, pat)
    finally:
        sim.send_signal(signal.SIGINT)
        sim.wait(timeout=30)


if __name__ == "__main__":
    main()
