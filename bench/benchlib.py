"""Shared helpers for bench/iac.py, bench/sast.py and bench/sca.py (stdlib only, Python 3.11).

- `build_palisade()`: `cargo build --release -p palisade-cli` unless SKIP_BUILD=1 (or PALISADE_BIN is set).
- `peer_venv()`: a virtualenv with the Python peers (checkov, semgrep, pip-audit), created on first use
  under BENCH_VENV (default /tmp/bench-venv), reused afterwards.
- `timed()`: runs one command, returns wall seconds, peak RSS (MiB) and CPU seconds. With /usr/bin/time
  (GNU time) the numbers are those of the command's process tree as the kernel reports them on reaping
  (peak RSS is the largest single process, not a sum); without it, `resource.getrusage(RUSAGE_CHILDREN)`
  gives the same (peak RSS is then the largest of any child reaped so far in this process).
- `table()`: a plain aligned text table.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
VENV = Path(os.environ.get("BENCH_VENV", "/tmp/bench-venv"))
GNU_TIME = Path("/usr/bin/time") if Path("/usr/bin/time").exists() else None
MIB = 1 << 20


def log(msg: str = "") -> None:
    print(msg, flush=True)


def build_palisade() -> Path:
    if os.environ.get("PALISADE_BIN"):
        return Path(os.environ["PALISADE_BIN"])
    if os.environ.get("SKIP_BUILD") != "1":
        log("==> building palisade (cargo build --release -p palisade-cli; may wait for the cargo lock)")
        subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "palisade-cli"], cwd=REPO, check=True)
    binary = REPO / "target" / "release" / "palisade"
    if not binary.exists():
        sys.exit(f"{binary} not found (build it, or set PALISADE_BIN)")
    return binary


def peer_venv(*packages: str) -> Path:
    """The venv's bin/ folder, with `packages` installed (pip, only those that are missing)."""
    py = VENV / "bin" / "python"
    if not py.exists():
        log(f"==> creating {VENV}")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    missing = [p for p in packages if not (VENV / "bin" / p.split("==")[0]).exists()]
    if missing:
        log(f"==> pip install {' '.join(missing)} into {VENV}")
        r = subprocess.run([str(py), "-m", "pip", "install", "-q", *missing], capture_output=True, text=True)
        if r.returncode != 0:
            log(f"    pip install failed ({r.returncode}): {r.stderr.strip()[-600:]}")
    return VENV / "bin"


def palisade_env(home: Path) -> dict:
    """Environment for palisade: a throw-away HOME (the key file is created there on first use)."""
    home.mkdir(parents=True, exist_ok=True)
    e = dict(os.environ)
    e.update({"HOME": str(home), "NO_COLOR": "1", "PALISADE_KEY_FILE": str(home / "palisade.key")})
    e.pop("PALISADE_LOG", None)
    e.pop("PALISADE_DATABASE_URL", None)
    return e


def timed(cmd: list[str], out: Path, env: dict | None = None, cwd: Path | None = None,
          timeout: float | None = None, stdin_devnull: bool = True) -> dict:
    """Runs `cmd` with stdout to `out` (stderr to out + '.stderr'); returns
    {wall, rss_mib, cpu, rc, timed_out}. Never raises on a non-zero exit."""
    out.parent.mkdir(parents=True, exist_ok=True)
    err = out.with_name(out.name + ".stderr")
    tf = out.with_name(out.name + ".time")
    full = [str(GNU_TIME), "-f", "%e %M %U %S", "-o", str(tf), *cmd] if GNU_TIME else list(cmd)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.monotonic()
    timed_out = False
    with open(out, "wb") as fo, open(err, "wb") as fe:
        p = subprocess.Popen(full, stdout=fo, stderr=fe, env=env, cwd=cwd, start_new_session=True,
                             stdin=subprocess.DEVNULL if stdin_devnull else None)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)  # the process group we started, nothing else
            p.wait()
            rc = -9
            timed_out = True
    wall = time.monotonic() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    rss = after.ru_maxrss / 1024
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if GNU_TIME and tf.exists():
        lines = tf.read_text().strip().splitlines()
        try:
            e, m, u, s = lines[-1].split()
            rss = int(m) / 1024
            cpu = float(u) + float(s)
        except ValueError:
            pass
        if lines and lines[0].startswith("Command exited with non-zero status"):
            rc = int(lines[0].rsplit(" ", 1)[1])
        if lines and lines[0].startswith("Command terminated by signal"):
            rc = -int(lines[0].rsplit(" ", 1)[1])
    return {"wall": wall, "rss_mib": rss, "cpu": cpu, "rc": rc, "timed_out": timed_out}


def tree_stats(root: Path) -> tuple[int, int]:
    """(files, bytes) under root."""
    n = b = 0
    for dp, _, fns in os.walk(root):
        for f in fns:
            n += 1
            b += os.path.getsize(os.path.join(dp, f))
    return n, b


def table(headers: list[str], rows: list[list], right: set[int] | None = None) -> str:
    """Aligned text table; columns in `right` (default: all but the first) are right-aligned."""
    right = set(range(1, len(headers))) if right is None else right
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def fmt(r):
        return "  ".join(c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(r))

    lines = [fmt(cells[0]), "  ".join("-" * w for w in widths)]
    lines += [fmt(r) for r in cells[1:]]
    return "\n".join(lines)


def ratio(a: float, b: float) -> str:
    return f"{a / b:.1f}x" if a and b else "n/a"


def fresh_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path
