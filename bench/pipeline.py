"""Pipeline benchmark: wall time of landing days end to end through Dagster, next to the plain `ecom load` CLI.

    uv run python bench/pipeline.py                  # every case (about 7-10 min on 2 cores)
    uv run python bench/pipeline.py --quick          # the small day only, median of 3 (about 1 min)
    uv run python bench/pipeline.py --only xlarge-epoch --repeat-long 3
    uv run python bench/pipeline.py --json /tmp/pipeline.json

Every measurement is a fresh process started by this parent, timed from the parent (the user's view):

  dagster  dagster asset materialize -m ecom_pipeline.definitions --select '*' --partition <day>
           (or --partition-range <start>...<end>: one run over the range, the assets' BackfillPolicy.single_run)
  cli      ecom load --start <day> [--end <end>] --scale <scale>

Each measurement has its own fresh database (CREATE DATABASE ecom_pipe_<random>, dropped after), its own temp
ECOM_HOME (local lake) and its own temp DAGSTER_HOME (an empty dagster.yaml: local SQLite storage), with
ECOM_EPOCH=2026-01-01, ECOM_SEED=42, ECOM_SCALE=<scale>, ECOM_DATABASE_URL=<db>; other ECOM_* and DAGSTER_*
variables are removed from the children's environment. Both paths of a case run in the same round; their order
alternates by round, and before each one the parent runs `sync` and a PostgreSQL CHECKPOINT (not timed).

The orchestration overhead of a case is the dagster wall time minus the cli wall time of the same round (median
over rounds). To say where it comes from, the parent timestamps every output line as it arrives (the children run
unbuffered, stdout and stderr merged) and Dagster's event log lines are parsed: its own step timings ("Finished
execution of step ... in Xs"), RUN_START / STEP_START / RUN_SUCCESS, and three lines Dagster 1.13 prints on the
way (the SupersessionWarning of `asset materialize`, the telemetry banner of a new instance, a BetaWarning when the
selection is resolved) that mark the end of the CLI import, of the instance set-up and of loading the definitions.
After a Dagster run the parent reads its SQLite event log back (events by type, first to last timestamp).
For `ecom load` the parent parses its own "landed N partitions in X s" (the time inside `land()`). A fresh-process
import probe times `import dagster._cli`, `ecom_pipeline.definitions` and the CLI's imports, with and without a
bytecode cache.

Bytecode: by default the children share a PYTHONPYCACHEPREFIX owned by this run (PYTHONDONTWRITEBYTECODE removed),
filled by one untimed warm-up (a small day through both paths) -- a user's second run. `--bytecode inherit` passes
the parent's settings through unchanged instead.

Cases:
  small-day       small, 2026-01-01 (the epoch day; a fresh warehouse holds a contiguous range from the epoch)
  small-30        small, 2026-01-01 .. 2026-01-30 (30 days) as ONE run
  large-epoch     large, 2026-01-01
  xlarge-epoch    xlarge, 2026-01-01: 1,000,000 opening customers, their addresses, the catalog, the day's orders
  small-backfill  small, 2026-01-01 .. 2026-06-29 (180 days) as ONE run: --partition-range, and ecom load --end
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

from common import admin as _admin
from common import bytecode_label as _bytecode_label
from common import cpus as _cpus
from common import drop_database as _drop_database
from common import load as _load
from common import run_child
from common import server_version as _server_version
from common import table as _table
from common import verdict as _verdict
from common import version as _version
from common import with_database as _with_database

SEED = 42
EPOCH = dt.date(2026, 1, 1)
BACKFILL_END = dt.date(2026, 6, 29)
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CHILD_TIMEOUT_S = 3 * 3600

TARGET_SMALL_DAY_S = 25.0  # a small day end to end through Dagster
TARGET_OVERHEAD_S = 15.0  # dagster wall - cli wall, per run
TARGET_MONTH_S = 120.0  # 30 small days as one run through Dagster
TARGET_MONTH_CLI_S = 15.0  # ecom load of 30 small days
TARGET_LARGE_DAY_S = 60.0  # the large epoch day end to end through Dagster
TARGET_BACKFILL_S = 3600.0  # 180 small days in one run: "minutes, not hours"

RESULT_MARK = "BENCH_RESULT "
MIB = 1024 * 1024
BIN = Path(sys.executable).parent  # the project environment's console scripts (dagster, ecom)

CASES: dict[str, dict[str, Any]] = {
    "small-day": {"scale": "small", "start": EPOCH, "end": EPOCH, "what": "small 2026-01-01 (epoch day)"},
    "small-30": {
        "scale": "small",
        "start": EPOCH,
        "end": EPOCH + dt.timedelta(days=29),
        "what": "small 2026-01-01 .. 01-30 (30 days), one run",
    },
    "large-epoch": {"scale": "large", "start": EPOCH, "end": EPOCH, "what": "large 2026-01-01 (epoch day)"},
    "xlarge-epoch": {"scale": "xlarge", "start": EPOCH, "end": EPOCH, "what": "xlarge 2026-01-01 (epoch day)"},
    "small-backfill": {
        "scale": "small",
        "start": EPOCH,
        "end": BACKFILL_END,
        "what": f"small {EPOCH} .. {BACKFILL_END}, one run",
    },
}
PATHS = ("dagster", "cli")
LONG_CASES = ("large-epoch", "xlarge-epoch", "small-backfill")  # one round unless --repeat-long

# Dagster's console log lines (1.13).
_STEP_START = re.compile(r'STEP_START - Started execution of step "([^"]+)"')
_STEP_SUCCESS = re.compile(r'STEP_SUCCESS - Finished execution of step "([^"]+)" in (\S+)\.\s*$')
_ENGINE_DONE = re.compile(r"Finished steps in process \(pid: \d+\) in (\S+?)\.?\s*$")
_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:([\d.]+)(ms|s))?")
_EVENT = re.compile(r" - dagster - [A-Z]+ - ")
_LANDED = re.compile(r"landed (\d+) partitions in ([\d.]+) s")
# Lines Dagster prints on the way to RUN_START, in this order (each optional; a missing one folds into the next).
MARKERS = (
    ("cli_imported", "SupersessionWarning", "start -> CLI imported (python, import dagster._cli)"),
    ("instance", "Telemetry:", "-> instance set up (SQLite storage in DAGSTER_HOME)"),
    ("definitions", "BetaWarning", "-> definitions loaded (import ecom_pipeline.definitions), selection"),
)


def parse_duration(text: str) -> float:
    """Dagster's format_duration back to seconds: 0.83ms, 533ms, 5.6s, 4m52s, 1h4m."""
    m = _DURATION.fullmatch(text)
    if not m or not any(m.groups()):
        raise ValueError(f"not a Dagster duration: {text!r}")
    hours, minutes, value, unit = m.groups()
    seconds = int(hours or 0) * 3600 + int(minutes or 0) * 60
    if value:
        seconds += float(value) / (1000 if unit == "ms" else 1)
    return seconds


# --------------------------------------------------------------------------------------------- probe


def run_probe(kind: str) -> None:
    """Child mode: time the imports of one path in this fresh interpreter."""
    marks: dict[str, float] = {}
    start = time.perf_counter()
    if kind == "dagster":
        import dagster._cli  # noqa: F401 - what the `dagster` console script imports

        marks["import dagster._cli"] = time.perf_counter() - start
        t = time.perf_counter()
        import ecom_pipeline.definitions  # builds the Definitions

        marks["+ import ecom_pipeline.definitions"] = time.perf_counter() - t
    else:
        import ecom_pipeline.cli  # what the `ecom` console script imports

        marks["import ecom_pipeline.cli"] = time.perf_counter() - start
        t = time.perf_counter()
        import ecom_pipeline.landing  # imported by `ecom load`
        import ecom_pipeline.storage.migrate  # noqa: F401 - alembic, imported by Warehouse.migrate

        marks["+ import landing, storage.migrate"] = time.perf_counter() - t
    print(RESULT_MARK + json.dumps({"kind": kind, "marks": marks, "inside_s": time.perf_counter() - start}))


# -------------------------------------------------------------------------------------------- parent


def _settle(admin_url: str) -> None:
    """Flush the previous measurement's dirty pages (OS and PostgreSQL) before the next one is timed."""
    os.sync()
    try:
        _admin(admin_url, [("CHECKPOINT", ())])
    except Exception as exc:  # not a superuser / pg_checkpoint member: measure without it
        print(f"bench: CHECKPOINT failed ({exc}); continuing without it", file=sys.stderr)


def _child_env(extra: dict[str, str], pycache: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOM_", "DAGSTER_"))}
    env.update(extra)
    env["PYTHONUNBUFFERED"] = "1"  # lines arrive as they are written (the timestamps depend on it)
    env["COLUMNS"] = "120"
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def _run(cmd: list[str], env: dict[str, str], cwd: str) -> dict[str, Any]:
    return run_child(cmd, env, cwd, CHILD_TIMEOUT_S)


def _parse_dagster(lines: list[tuple[float, str]], wall: float) -> dict[str, Any]:
    steps: dict[str, float] = {}
    step_start: dict[str, float] = {}
    step_end: dict[str, float] = {}
    marks: dict[str, float] = {}
    run_starts = events = 0
    run_start = run_end = engine = None
    for t, line in lines:
        events += bool(_EVENT.search(line))
        for name, needle, _ in MARKERS:
            if needle in line and name not in marks:
                marks[name] = t
        if " - RUN_START - " in line:
            run_starts += 1
            run_start = t if run_start is None else run_start
        elif " - RUN_SUCCESS - " in line:
            run_end = t
        elif m := _STEP_START.search(line):
            step_start.setdefault(m.group(1), t)
        elif m := _STEP_SUCCESS.search(line):
            steps[m.group(1)] = parse_duration(m.group(2))
            step_end[m.group(1)] = t
        elif m := _ENGINE_DONE.search(line):
            engine = parse_duration(m.group(1))
    if run_start is None or run_end is None or not steps:
        return {"run_starts": run_starts, "parsed": False}
    # Phases seen from the parent, each from the previous mark; they add up to the wall time.
    phases: dict[str, float] = {}
    last = 0.0
    for name, _, _ in MARKERS:
        if name in marks and last <= marks[name] <= run_start:
            phases[name] = marks[name] - last
            last = marks[name]
    phases["run_record"] = run_start - last
    first_step, last_step = min(step_start.values()), max(step_end.values())
    phases["resources"] = first_step - run_start
    phases["steps"] = sum(steps.values())
    phases["between_steps"] = (last_step - first_step) - phases["steps"]
    phases["run_end"] = run_end - last_step
    phases["exit"] = wall - run_end
    return {
        "parsed": True,
        "run_starts": run_starts,
        "steps": steps,
        "steps_seen_s": {s: step_end[s] - step_start[s] for s in steps if s in step_start},
        "engine_s": engine,
        "events": events,
        "marks": marks,
        "phases": phases,
        "work_s": phases["steps"],
    }


def _parse_cli(lines: list[tuple[float, str]], wall: float) -> dict[str, Any]:
    for _, line in lines:
        if m := _LANDED.search(line):
            work = float(m.group(2))
            return {"parsed": True, "partitions": int(m.group(1)), "work_s": work, "phases": {"outside": wall - work}}
    return {"parsed": False}


def _verify(url: str) -> dict[str, Any]:
    """Rows per raw table and the ledger's published days, read back after the run."""
    import psycopg

    from ecom_pipeline.generation.schemas import TABLES

    with psycopg.connect(url, connect_timeout=5) as conn:
        rows = {t: conn.execute(f'SELECT count(*) FROM raw."{t}"').fetchone()[0] for t in TABLES}  # type: ignore[index]
        days, parts = conn.execute(
            "SELECT count(DISTINCT day), count(*) FROM raw._ecom_partitions WHERE status = 'published'"
        ).fetchone()  # type: ignore[misc]
    return {"rows": rows, "published_days": days, "published_partitions": parts, "tables": len(TABLES)}


def _event_log(dagster_home: Path) -> dict[str, dict[str, float]]:
    """Events of the run by type, read back from the SQLite event log (count, and first to last timestamp)."""
    import sqlite3

    out: dict[str, dict[str, float]] = {}
    for db in sorted((dagster_home / "history" / "runs").glob("*.db")):
        if db.name == "index.db":
            continue
        try:
            with closing(sqlite3.connect(db)) as conn:
                rows = conn.execute(
                    "SELECT dagster_event_type, count(*), min(timestamp), max(timestamp) FROM event_logs"
                    " WHERE dagster_event_type IS NOT NULL GROUP BY 1"
                ).fetchall()
        except sqlite3.Error:  # another storage layout: report nothing rather than fail the measurement
            continue
        for kind, n, first, last in rows:
            span = (dt.datetime.fromisoformat(str(last)) - dt.datetime.fromisoformat(str(first))).total_seconds()
            entry = out.setdefault(kind, {"count": 0, "span_s": 0.0})
            entry["count"] += n
            entry["span_s"] += span
    return out


def bookkeeping(dagster: dict[str, Any]) -> dict[str, float]:
    """Dagster's own share of a run's wall time, estimated: the time outside its steps, plus the events the steps
    wrote (materializations, check evaluations, outputs), each at the rate the run wrote its planned events
    before RUN_START (the same SQLite writes, with nothing else going on)."""
    ev = dagster.get("event_log") or {}
    planned = [ev[k] for k in ("ASSET_MATERIALIZATION_PLANNED", "ASSET_CHECK_EVALUATION_PLANNED") if k in ev]
    count, span = sum(p["count"] for p in planned), sum(p["span_s"] for p in planned)
    per_event = span / count if count else 0.0
    in_steps = sum(e["count"] for e in ev.values()) - count
    outside = dagster["median_s"] - dagster["work_s"]
    return {
        "outside_s": outside,
        "events_in_steps": in_steps,
        "per_event_ms": per_event * 1000,
        "total_s": outside + in_steps * per_event,
    }


def command(case: str, path: str) -> list[str]:
    c = CASES[case]
    start, end = c["start"].isoformat(), c["end"].isoformat()
    if path == "dagster":
        sel = ["--partition", start] if start == end else ["--partition-range", f"{start}...{end}"]
        return [str(BIN / "dagster"), "asset", "materialize", "-m", "ecom_pipeline.definitions", "--select", "*", *sel]
    span = ["--start", start] if start == end else ["--start", start, "--end", end]
    return [str(BIN / "ecom"), "load", *span, "--scale", c["scale"]]


def _shell(cmd: list[str]) -> str:
    return " ".join(["'*'" if a == "*" else a for a in [Path(cmd[0]).name, *cmd[1:]]])


def measure(case: str, path: str, args: argparse.Namespace, pycache: str | None) -> dict[str, Any]:
    c = CASES[case]
    name = f"ecom_pipe_{uuid.uuid4().hex[:10]}"
    root = Path(tempfile.mkdtemp(prefix="ecom-pipe-", dir=args.tmpdir))
    try:
        _admin(args.pg_url, [(f'CREATE DATABASE "{name}"', ())])
        url = _with_database(args.pg_url, name)
        (root / "ecom").mkdir()
        (root / "dagster").mkdir()
        (root / "dagster" / "dagster.yaml").write_text("")  # empty: local SQLite storage in DAGSTER_HOME
        env = _child_env(
            {
                "ECOM_EPOCH": EPOCH.isoformat(),
                "ECOM_SEED": str(SEED),
                "ECOM_SCALE": c["scale"],
                "ECOM_DATABASE_URL": url,
                "ECOM_HOME": str(root / "ecom"),
                "DAGSTER_HOME": str(root / "dagster"),
            },
            pycache,
        )
        _settle(args.pg_url)
        run = _run(command(case, path), env, cwd=str(root))
        lines = run.pop("lines")
        if run["rc"] != 0:
            sys.stderr.write("\n".join(line for _, line in lines[-60:]) + "\n")
            raise SystemExit(f"bench: {case} {path} failed (exit {run['rc']})")
        parsed = (_parse_dagster if path == "dagster" else _parse_cli)(lines, run["wall_s"])
        if not parsed["parsed"]:
            sys.stderr.write("\n".join(line for _, line in lines[-60:]) + "\n")
            raise SystemExit(f"bench: could not parse the output of {case} {path}")
        run.update(parsed)
        run["verify"] = _verify(url)
        run["output_lines"] = len(lines)
        if path == "dagster":
            run["event_log"] = _event_log(root / "dagster")
        return run
    finally:
        _drop_database(args.pg_url, name)
        shutil.rmtree(root, ignore_errors=True)


def probe(kind: str, pycache: str | None, args: argparse.Namespace) -> dict[str, Any]:
    env = _child_env({"ECOM_EPOCH": EPOCH.isoformat(), "ECOM_SEED": str(SEED), "ECOM_SCALE": "small"}, pycache)
    if pycache is None:  # no bytecode cache at all: compile every module from source
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env["PYTHONPYCACHEPREFIX"] = tempfile.mkdtemp(prefix="ecom-pipe-nocache-", dir=args.tmpdir)
    try:
        run = _run([sys.executable, str(Path(__file__).resolve()), "--probe", kind], env, cwd=tempfile.gettempdir())
    finally:
        if pycache is None:
            shutil.rmtree(env["PYTHONPYCACHEPREFIX"], ignore_errors=True)
    found = [line for _, line in run["lines"] if line.startswith(RESULT_MARK)]
    if run["rc"] != 0 or not found:
        sys.stderr.write("\n".join(line for _, line in run["lines"]) + "\n")
        raise SystemExit(f"bench: import probe {kind} failed (exit {run['rc']})")
    result = json.loads(found[-1][len(RESULT_MARK) :])
    result["wall_s"] = run["wall_s"]
    return result


# ------------------------------------------------------------------------------------------- summary


def _med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarize(case: str, runs: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    c = CASES[case]
    out: dict[str, Any] = {"what": c["what"], "days": (c["end"] - c["start"]).days + 1, "paths": {}}
    for path in PATHS:
        rs = runs[path]
        walls = [r["wall_s"] for r in rs]
        phase_keys = list(dict.fromkeys(k for r in rs for k in r["phases"]))
        entry: dict[str, Any] = {
            "command": _shell(command(case, path)),
            "runs": rs,
            "median_s": _med(walls),
            "min_s": min(walls),
            "max_s": max(walls),
            "cpu_s": _med([r["cpu_s"] for r in rs]),
            "peak_rss_mib": max(r["peak_rss_bytes"] for r in rs) / MIB,
            "work_s": _med([r["work_s"] for r in rs]),
            "phases": {k: _med([r["phases"][k] for r in rs if k in r["phases"]]) for k in phase_keys},
        }
        if path == "dagster":
            step_names = list(dict.fromkeys(s for r in rs for s in r["steps"]))
            entry["steps"] = {s: _med([r["steps"][s] for r in rs if s in r["steps"]]) for s in step_names}
            entry["engine_s"] = _med([r["engine_s"] for r in rs if r.get("engine_s") is not None])
            entry["events"] = _med([r["events"] for r in rs])
            kinds = list(dict.fromkeys(k for r in rs for k in r.get("event_log", {})))
            entry["event_log"] = {
                k: {
                    f: _med([r["event_log"][k][f] for r in rs if k in r.get("event_log", {})])
                    for f in ("count", "span_s")
                }
                for k in kinds
            }
        out["paths"][path] = entry
    pairs = list(zip(runs["dagster"], runs["cli"], strict=True))
    diffs = [d["wall_s"] - c_["wall_s"] for d, c_ in pairs]
    in_work = [d["work_s"] - c_["work_s"] for d, c_ in pairs]
    out["overhead"] = {
        "median_s": _med(diffs),
        "min_s": min(diffs),
        "max_s": max(diffs),
        "runs": diffs,
        "in_work_s": _med(in_work),
        "outside_work_s": _med([a - b for a, b in zip(diffs, in_work, strict=True)]),
    }
    return out


def checks(case: str, runs: dict[str, list[dict[str, Any]]]) -> list[tuple[str, bool, str]]:
    c = CASES[case]
    days = (c["end"] - c["start"]).days + 1
    found: list[tuple[str, bool, str]] = []
    for path in PATHS:
        for i, r in enumerate(runs[path]):
            v = r["verify"]
            ok = v["published_days"] == days and v["published_partitions"] == days * v["tables"]
            found.append(
                (
                    f"{case} {path} run {i + 1}: published days / partitions",
                    ok,
                    f"{v['published_days']} / {v['published_partitions']} (expected {days} / {days * v['tables']})",
                )
            )
    for i, r in enumerate(runs["dagster"]):
        ok = r["run_starts"] == 1
        found.append((f"{case} dagster run {i + 1}: Dagster runs started", ok, str(r["run_starts"])))
    row_sets = {json.dumps(r["verify"]["rows"], sort_keys=True) for p in PATHS for r in runs[p]}
    total = sum(runs["cli"][0]["verify"]["rows"].values())
    found.append(
        (
            f"{case}: raw rows identical, dagster and cli, every run",
            len(row_sets) == 1,
            f"{total:,} rows" if len(row_sets) == 1 else f"{len(row_sets)} different row sets",
        )
    )
    return found


# -------------------------------------------------------------------------------------------- report


def _s(value: float | None, digits: int = 2) -> str:
    return "-" if value is None or value != value else f"{value:.{digits}f}"


def targets(results: dict[str, Any]) -> list[tuple[str, float, bool]]:
    out = []
    if "small-day" in results:
        wall = results["small-day"]["paths"]["dagster"]["median_s"]
        out.append((f"small-day through Dagster < {TARGET_SMALL_DAY_S:.0f} s", wall, wall < TARGET_SMALL_DAY_S))
    for case, r in results.items():
        o = r["overhead"]["median_s"]
        out.append((f"{case}: orchestration overhead < {TARGET_OVERHEAD_S:.0f} s", o, o < TARGET_OVERHEAD_S))
    if "small-30" in results:
        wall = results["small-30"]["paths"]["dagster"]["median_s"]
        out.append((f"small-30 (30 days, 1 run) through Dagster < {TARGET_MONTH_S:.0f} s", wall, wall < TARGET_MONTH_S))
        cli = results["small-30"]["paths"]["cli"]["median_s"]
        out.append((f"small-30: ecom load < {TARGET_MONTH_CLI_S:.0f} s", cli, cli < TARGET_MONTH_CLI_S))
    if "large-epoch" in results:
        wall = results["large-epoch"]["paths"]["dagster"]["median_s"]
        out.append((f"large-epoch through Dagster < {TARGET_LARGE_DAY_S:.0f} s", wall, wall < TARGET_LARGE_DAY_S))
    if "small-backfill" in results:
        wall = results["small-backfill"]["paths"]["dagster"]["median_s"]
        out.append(
            (
                f"small-backfill (180 days, 1 run) through Dagster < {TARGET_BACKFILL_S:.0f} s",
                wall,
                wall < TARGET_BACKFILL_S,
            )
        )
    return out


def report(
    results: dict[str, Any],
    probes: dict[str, list[dict[str, Any]]],
    found: list[tuple[str, bool, str]],
    args: argparse.Namespace,
    load: tuple[float, float],
) -> None:
    out: list[str] = []
    repeats = ", ".join(f"{case} {len(r['paths']['dagster']['runs'])}" for case, r in results.items())
    out.append(
        f"ecom_pipeline pipeline benchmark  seed={SEED}  epoch={EPOCH}  repeat: {repeats} (median; min/max)\n"
        f"python {platform.python_version()}  {platform.machine()}  cpus={_cpus()}  {_server_version(args.pg_url)}"
        f"  dagster {_version('dagster')}  bytecode: {_bytecode_label(args)}"
        f"  load avg 1 min {load[0]:.2f} -> {load[1]:.2f}"
    )
    out.append("")
    rows = []
    for case, r in results.items():
        for path, p in r["paths"].items():
            rows.append(
                [
                    case,
                    path,
                    r["what"],
                    str(len(p["runs"])),
                    _s(p["median_s"]),
                    _s(p["min_s"]),
                    _s(p["max_s"]),
                    _s(p["work_s"]),
                    _s(p["cpu_s"], 1),
                    f"{p['peak_rss_mib']:,.0f}",
                ]
            )
    header = ["case", "path", "what", "runs", "wall s", "min s", "max s", "work s", "cpu s", "peak MiB"]
    out.append(_table(header, rows, right=set(range(3, len(header)))))
    out.append(
        "wall = the whole process seen from the parent; work = the sum of Dagster's own step timings (dagster), "
        "the time inside land() that ecom load prints (cli)"
    )
    for case, r in results.items():
        for path, p in r["paths"].items():
            out.append(f"  {case} {path}: {p['command']}")

    out.append("")
    out.append("orchestration overhead = dagster wall - cli wall (median of the per-round differences)")
    orows = []
    for case, r in results.items():
        o = r["overhead"]
        orows.append(
            [
                case,
                _s(r["paths"]["dagster"]["median_s"]),
                _s(r["paths"]["cli"]["median_s"]),
                _s(o["median_s"]),
                _s(o["min_s"]),
                _s(o["max_s"]),
                _s(o["in_work_s"]),
                _s(o["outside_work_s"]),
                f"< {TARGET_OVERHEAD_S:.0f} s",
                _verdict(o["median_s"] < TARGET_OVERHEAD_S),
            ]
        )
    oheader = ["case", "dagster s", "cli s", "overhead s", "min", "max", "in work", "outside work", "target", ""]
    out.append(_table(oheader, orows, right=set(range(1, 9))))
    out.append(
        "in work = dagster step time - cli land() time; outside work = the rest (start-up, run bookkeeping, exit)"
    )

    labels = {name: label for name, _, label in MARKERS}
    for case, r in results.items():
        d, cl = r["paths"]["dagster"], r["paths"]["cli"]
        out.append("")
        out.append(f"{case}: where the time goes (medians, s; phases from line arrival, steps from Dagster's log)")
        ph = d["phases"]
        prows = [[labels[k], _s(ph[k]), ""] for k in labels if k in ph]
        prows.append(["-> RUN_START (run record, planned-materialization events)", _s(ph.get("run_record")), ""])
        prows.append(["RUN_START -> first STEP_START (resources)", _s(ph.get("resources")), ""])
        for step, secs in d["steps"].items():
            prows.append([f"  step {step}", _s(secs), ""])
        prows.append(["steps, Dagster's own timings (sum)", _s(ph.get("steps")), ""])
        prows.append(["between steps (event log, step bookkeeping)", _s(ph.get("between_steps")), ""])
        prows.append(["last STEP_SUCCESS -> RUN_SUCCESS", _s(ph.get("run_end")), ""])
        prows.append(["RUN_SUCCESS -> process exit (interpreter teardown)", _s(ph.get("exit")), ""])
        prows.append(["ecom load: land() ('landed N partitions in X s')", "", _s(cl["work_s"])])
        prows.append(["ecom load: start, imports, settings, summary, exit", "", _s(cl["phases"].get("outside"))])
        prows.append(["wall", _s(d["median_s"]), _s(cl["median_s"])])
        prows.append(["  of which work (steps / land())", _s(d["work_s"]), _s(cl["work_s"])])
        prows.append(["  of which outside the work", _s(d["median_s"] - d["work_s"]), _s(cl["phases"].get("outside"))])
        out.append(_table(["part", "dagster", "cli"], prows, right={1, 2}))
        out.append(
            f"({d['events']:.0f} Dagster event lines logged; Dagster's 'Finished steps in process ... in X':"
            f" {_s(d['engine_s'])} s; medians need not add up)"
        )
        ev = d["event_log"]
        if ev:
            planned = ev.get("ASSET_MATERIALIZATION_PLANNED", {"count": 0, "span_s": 0.0})
            done = ev.get("ASSET_MATERIALIZATION", {"count": 0, "span_s": 0.0})
            per = planned["span_s"] / planned["count"] * 1000 if planned["count"] else float("nan")
            out.append(
                f"event log (SQLite, read back): {planned['count']:,.0f} ASSET_MATERIALIZATION_PLANNED written in"
                f" {planned['span_s']:.2f} s before RUN_START ({_s(per, 1)} ms each),"
                f" {done['count']:,.0f} ASSET_MATERIALIZATION during the steps,"
                f" {sum(e['count'] for e in ev.values()):,.0f} events in all"
            )
            book = bookkeeping(d)
            out.append(
                f"Dagster's bookkeeping (estimate): {_s(book['total_s'])} s = {_s(book['outside_s'])} s outside the"
                f" steps (start-up, definitions, run record and planned events, exit) + {book['events_in_steps']:,.0f}"
                f" events written during the steps x {_s(book['per_event_ms'], 1)} ms (the planned events' rate)"
            )

    if probes:
        out.append("")
        out.append(
            "imports, fresh process (median s): warm = a filled PYTHONPYCACHEPREFIX, none = compiled from source"
        )
        irows = []
        for kind in ("dagster", "ecom"):
            warm, cold = probes.get(f"{kind} warm", []), probes.get(f"{kind} none", [])
            if not warm:
                continue
            for mark in warm[0]["marks"]:
                irows.append(
                    [mark, _s(_med([p["marks"][mark] for p in warm])), _s(_med([p["marks"][mark] for p in cold]))]
                )
            irows.append(
                [
                    f"  {kind} probe process (wall)",
                    _s(_med([p["wall_s"] for p in warm])),
                    _s(_med([p["wall_s"] for p in cold])),
                ]
            )
        out.append(_table(["import", "warm", "none"], irows, right={1, 2}))

    out.append("")
    out.append("checks")
    out.append(_table(["check", "found", ""], [[n, v, "ok" if ok else "FAILED"] for n, ok, v in found], right=set()))

    out.append("")
    out.append("targets")
    trows = [[name, f"{value:.2f} s", _verdict(ok)] for name, value, ok in targets(results)]
    out.append(_table(["target", "measured", ""], trows, right={1}))
    print("\n".join(out), flush=True)


def _brief(run: dict[str, Any]) -> str:
    return f"wall {run['wall_s']:7.2f} s  work {run['work_s']:7.2f} s"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the small day (median reported; default 3)")
    parser.add_argument(
        "--repeat-long", type=int, default=1, help="rounds of the xlarge epoch day and of the backfill (default 1)"
    )
    parser.add_argument("--quick", action="store_true", help="the small day only (skip xlarge and the backfill)")
    parser.add_argument(
        "--only", metavar="CASE[,CASE]", help=f"run only these cases ({', '.join(CASES)}); --quick still applies"
    )
    parser.add_argument("--json", metavar="PATH", help="also write every run and the summary as JSON")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("ECOM_BENCH_PG_URL", DEFAULT_PG_URL),
        help="an administrative URL of the server (CREATE/DROP DATABASE, CHECKPOINT); default $ECOM_BENCH_PG_URL "
        f"or {DEFAULT_PG_URL}",
    )
    parser.add_argument("--tmpdir", help="where the lakes, DAGSTER_HOMEs and bytecode cache go (default: the system's)")
    parser.add_argument(
        "--bytecode",
        choices=("prefix", "inherit"),
        default="prefix",
        help="prefix (default): the children share a bytecode cache of this run, warmed first; "
        "inherit: the parent's PYTHONDONTWRITEBYTECODE / PYTHONPYCACHEPREFIX as they are",
    )
    parser.add_argument("--probe", choices=("dagster", "ecom"), help=argparse.SUPPRESS)  # child mode
    args = parser.parse_args(argv)
    if args.probe:
        run_probe(args.probe)
        return 0
    if args.repeat < 1 or args.repeat_long < 1:
        parser.error("--repeat and --repeat-long must be at least 1")
    for tool in ("dagster", "ecom"):
        if not (BIN / tool).exists():
            parser.error(f"{BIN / tool} not found: run with the project's environment (uv run python ...)")

    only = [c.strip() for c in args.only.split(",") if c.strip()] if args.only else list(CASES)
    unknown = [c for c in only if c not in CASES]
    if unknown:
        parser.error(f"unknown case {', '.join(unknown)}; choose from {', '.join(CASES)}")
    cases = [c for c in CASES if c in only and not (args.quick and c in LONG_CASES)]
    if not cases:
        parser.error("no case left to run (--only with --quick?)")
    repeats = {c: args.repeat_long if c in LONG_CASES else args.repeat for c in cases}
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {c: {p: [] for p in PATHS} for c in cases}
    probes: dict[str, list[dict[str, Any]]] = {}
    pycache = tempfile.mkdtemp(prefix="ecom-pipe-pycache-", dir=args.tmpdir) if args.bytecode == "prefix" else None
    load_start = _load()
    began = time.perf_counter()
    try:
        for path in PATHS:  # untimed: fills the bytecode cache, warms the OS and PostgreSQL caches
            r = measure("small-day", path, args, pycache)
            print(f"[warm-up] small-day      {path:<7}  {_brief(r)}  (not reported)", file=sys.stderr, flush=True)
        for i in range(max(repeats.values())):
            if i < repeats.get("small-day", 0):
                for kind in ("dagster", "ecom"):
                    probes.setdefault(f"{kind} warm", []).append(probe(kind, pycache, args))
                    probes.setdefault(f"{kind} none", []).append(probe(kind, None, args))
            for case in cases:
                if i >= repeats[case]:
                    continue
                for path in PATHS if i % 2 == 0 else tuple(reversed(PATHS)):
                    r = measure(case, path, args, pycache)
                    runs[case][path].append(r)
                    print(
                        f"[{i + 1}/{repeats[case]}] {case:<14} {path:<7}  {_brief(r)}  cpu {r['cpu_s']:7.1f} s",
                        file=sys.stderr,
                        flush=True,
                    )
    finally:
        if pycache:
            shutil.rmtree(pycache, ignore_errors=True)
    print(f"(benchmark wall time {time.perf_counter() - began:.1f} s)\n", file=sys.stderr, flush=True)
    results = {c: summarize(c, runs[c]) for c in cases}
    found = [x for c in cases for x in checks(c, runs[c])]
    load = (load_start, _load())
    report(results, probes, found, args, load)
    if args.json:
        payload = {
            "meta": {
                "seed": SEED,
                "epoch": EPOCH.isoformat(),
                "repeat": args.repeat,
                "repeat_long": args.repeat_long,
                "quick": args.quick,
                "bytecode": args.bytecode,
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": _cpus(),
                "server": _server_version(args.pg_url),
                "dagster": _version("dagster"),
                "load_avg_1min": list(load),
                "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
            "cases": results,
            "imports": probes,
            "checks": [{"check": n, "ok": ok, "found": v} for n, ok, v in found],
            "targets": [{"target": n, "measured_s": v, "pass": ok} for n, v, ok in targets(results)],
        }
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
    return 0 if all(ok for _, ok, _ in found) else 1


if __name__ == "__main__":
    sys.exit(main())
