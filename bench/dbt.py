"""dbt benchmark: the dbt step of a Dagster run against the baseline, an incremental day, a long full refresh.

    uv run python bench/dbt.py                  # every case (about 15 min on 2 cores)
    uv run python bench/dbt.py --only step      # the Dagster step, this checkout vs main 540c39b (about 6 min)
    uv run python bench/dbt.py --quick          # a small day and 30 medium days (about 3 min more)
    uv run python bench/dbt.py --only day --repeat 5 --json /tmp/dbt.json

  step   the `ecom_dbt` step of one `small` day (2026-01-01) inside
           dagster asset materialize -m ecom_pipeline.definitions --select '*' --partition 2026-01-01
         (fresh process and DAGSTER_HOME, empty warehouse, the manifest prepared by `dbt parse`), for this checkout
         and for the --baseline revision (default 540c39b, exported with `git archive` into a temp folder and run
         from there with PYTHONPATH), alternating, --repeat rounds (default 3) after one warm-up run per side (whose
         figures are reported as the first run after a change of the dbt project: docs regenerated). Each side
         keeps one database name, recreated empty every round, as a deployment's warehouse keeps its name. The
         step is split with the instance's step events and dbt's own logs of the run (dagster-dbt keeps them in
         dbt_project/target/ecom_dbt-<run>-*; removed afterwards): before dbt's first line (dagster-dbt's set-up,
         `dbt --version`, dbt's imports), dbt's parse, its run clock (node times summed per type), `dbt docs
         generate`, and the rest.
  day    scale large (small with --quick): land 2026-01-01 .. 2026-01-21 (3 weeks), one full `dbt build` (warm-up,
         not timed), land 2026-01-22, then time the incremental build of that day with its lookback:
           ECOM_DBT_START_DATE=2026-01-22 ECOM_DBT_END_DATE=2026-01-22 dbt build
         and the same with `dbt run` (models only, no tests, no seed), --repeat rounds (default 3)
  range  scale medium: land 2026-01-01 .. 2026-06-29 (180 days; 30 with --quick; the landing is measured once
         and printed as setup time), then time `dbt build --full-refresh` over everything in one invocation, and
         `dbt run --full-refresh`, --repeat-range rounds (default 1)
  parse  `dbt parse` alone (no database is touched): with the partial-parse file of the same window, with the file
         of a parse with another window (the previous partition's run), and with --no-partial-parse

The day, range and parse cases have their own fresh database (CREATE DATABASE ecom_dbtbench_<random>, dropped
after), landed with `ecom load --to warehouse` (ECOM_EPOCH=2026-01-01, ECOM_SEED=42, a temp ECOM_HOME). dbt reads
the database from libpq's variables (`libpq_environment(url)`, as `ecom dbt` and the Dagster asset do), with
DBT_SEND_ANONYMOUS_USAGE_STATS=false; its target and log folders are temp folders of this run, so
dbt_project/target and dbt_project/logs are not touched.

Partial parsing: dbt keys its partial-parse file on the connection (database name included) and on --vars, not
on the window (read at execution only), so each case primes one (`dbt parse` against its database, not timed),
and every timed invocation starts from a fresh target folder holding a copy of it. The parse case shows what a
full parse adds (the build/run results do not include it).

Reported per invocation: the wall time seen from the parent, dbt's own "Finished running ... in X s" (its run clock),
and the difference (start-up, imports, profile, parse, graph, artifacts). The children run unbuffered and the parent
timestamps every line as it arrives, so the difference is split at "Running with dbt=" and "Found N models". From
target/run_results.json: the time per node summed by type (models, tests, ...), the slowest nodes and the rows the
incremental models wrote. Before each timed invocation the parent runs `sync` and a PostgreSQL CHECKPOINT.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
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
HISTORY_DAYS = 21  # the day case's 3 weeks before the timed day
RANGE_DAYS = 180
QUICK_RANGE_DAYS = 30
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
CHILD_TIMEOUT_S = 3600

TARGET_DAY_S = 60.0  # the incremental dbt build of one day (the dbt step of a daily partition)
TARGET_RANGE_S = 600.0  # the full refresh over the range in one invocation: minutes
TARGET_INCREMENTAL_RATIO = 0.5  # incremental day / full build of the weeks before it (dbt's run clock)

BIN = Path(sys.executable).parent  # the project environment's console scripts (dbt, ecom)
ROOT = Path(__file__).resolve().parents[1]
PROJECT = ROOT / "dbt_project"
BASELINE = "540c39b"  # main before the dbt step's speed-up
INCREMENTAL = ("fct_orders", "fct_order_items", "agg_daily_revenue")
COMMANDS = ("build", "run")
MIB = 1024 * 1024

_FINISHED = re.compile(r"Finished running (.+?) in .*\(([\d.]+)s\)\.?\s*$")
_DONE = re.compile(r"Done\. PASS=(\d+) WARN=(\d+) ERROR=(\d+) SKIP=(\d+)(?: NO-OP=(\d+))? TOTAL=(\d+)")
_FULL_PARSE = ("Unable to do partial parsing", "Partial parse save file not found", "Starting full parse")
_LANDED = re.compile(r"landed (\d+) partitions in ([\d.]+) s")
PHASES = (
    ("startup", "start -> 'Running with dbt=' (interpreter, imports)"),
    ("parse", "-> 'Found N models' (profile, adapter, parse, manifest)"),
    ("pre_run", "-> dbt's run clock starts (graph, selection)"),
    ("dbt_run", "dbt's run ('Finished running ... in X s')"),
    ("exit", "'Finished running' -> process exit (artifacts, teardown)"),
)
PARSE_MODES = {
    "partial": "partial-parse file of the same window and database",
    "window-changed": "file of a parse with another window (the next partition's run)",
    "full": "--no-partial-parse",
}


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def cases(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    day_scale = "small" if args.quick else "large"
    day = EPOCH + dt.timedelta(days=HISTORY_DAYS)
    n = args.range_days or (QUICK_RANGE_DAYS if args.quick else RANGE_DAYS)
    end = EPOCH + dt.timedelta(days=n - 1)
    return {
        "day": {
            "label": f"{day_scale}-day",
            "scale": day_scale,
            "history": (EPOCH, day - dt.timedelta(days=1)),
            "start": day,
            "end": day,
            "window": (day, day),
            "args": [],
            "what": f"{day_scale}, {day} incrementally (lookback {_lookback()} d) after {HISTORY_DAYS} days",
            "repeat": args.repeat,
        },
        "range": {
            "label": f"medium-{n}d",
            "scale": "medium",
            "history": None,
            "start": EPOCH,
            "end": end,
            "window": None,
            "args": ["--full-refresh"],
            "what": f"medium, {EPOCH} .. {end} ({n} days), --full-refresh, one invocation",
            "repeat": args.repeat_range,
        },
    }


def _lookback() -> str:
    text = (PROJECT / "dbt_project.yml").read_text()
    m = re.search(r"^\s*lookback_days:\s*(\d+)", text, re.MULTILINE)
    return m.group(1) if m else "?"


# ----------------------------------------------------------------------------------------------- database


def _settle(admin_url: str) -> None:
    """Flush the previous step's dirty pages (OS and PostgreSQL) before the next measurement."""
    os.sync()
    try:
        _admin(admin_url, [("CHECKPOINT", ())])
    except Exception as exc:  # not a superuser / pg_checkpoint member: measure without it
        print(f"bench: CHECKPOINT failed ({exc}); continuing without it", file=sys.stderr)


def _verify(url: str) -> dict[str, Any]:
    """Rows in raw and in the incremental marts, and the last day of agg_daily_revenue, read back."""
    import psycopg

    queries = {
        "raw_orders": "SELECT count(*) FROM raw.orders",
        "fct_orders": "SELECT count(*) FROM marts.fct_orders",
        "raw_order_items": "SELECT count(*) FROM raw.order_items",
        "fct_order_items": "SELECT count(*) FROM marts.fct_order_items",
        "agg_daily_revenue": "SELECT count(*) FROM marts.agg_daily_revenue",
        "agg_last_day": "SELECT max(order_date)::text FROM marts.agg_daily_revenue",
    }
    with psycopg.connect(url, connect_timeout=5) as conn:
        return {k: conn.execute(q).fetchone()[0] for k, q in queries.items()}  # type: ignore[index]


@contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    name = f"ecom_dbtbench_{uuid.uuid4().hex[:10]}"
    _admin(admin_url, [(f'CREATE DATABASE "{name}"', ())])
    try:
        yield _with_database(admin_url, name)
    finally:
        _drop_database(admin_url, name)


# ------------------------------------------------------------------------------------------------ children


def _child_env(extra: dict[str, str], pycache: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOM_", "DBT_", "DAGSTER_", "PG"))}
    env.update(extra)
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    env["PYTHONUNBUFFERED"] = "1"  # lines arrive as they are written (the phases depend on it)
    env["COLUMNS"] = "120"
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def _run(cmd: list[str], env: dict[str, str], cwd: str) -> dict[str, Any]:
    return run_child(cmd, env, cwd, CHILD_TIMEOUT_S)


def _fail(what: str, run: dict[str, Any], lines: list[tuple[float, str]]) -> SystemExit:
    sys.stderr.write("\n".join(line for _, line in lines[-60:]) + "\n")
    return SystemExit(f"bench: {what} failed (exit {run['rc']})")


class Case:
    """One case's database, temp folders and environment; runs `ecom load` and dbt against them."""

    def __init__(self, key: str, spec: dict[str, Any], url: str, args: argparse.Namespace, pycache: str | None):
        from ecom_pipeline.storage.postgres import libpq_environment

        self.key, self.spec, self.url, self.args = key, spec, url, args
        self.root = Path(tempfile.mkdtemp(prefix=f"ecom-dbtbench-{key}-", dir=args.tmpdir))
        self.logs = self.root / "logs"
        self.count = 0
        self.env = _child_env(
            {
                "ECOM_EPOCH": EPOCH.isoformat(),
                "ECOM_SEED": str(SEED),
                "ECOM_SCALE": spec["scale"],
                "ECOM_DATABASE_URL": url,
                "ECOM_HOME": str(self.root / "ecom"),
                **libpq_environment(url),
            },
            pycache,
        )

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    def land(self, start: dt.date, end: dt.date) -> dict[str, Any]:
        cmd = [str(BIN / "ecom"), "load", "--to", "warehouse", "--scale", self.spec["scale"]]
        cmd += ["--start", start.isoformat(), "--end", end.isoformat()]
        run = _run(cmd, self.env, cwd=str(self.root))
        lines = run.pop("lines")
        if run["rc"] != 0:
            raise _fail(f"{self.key}: ecom load {start}..{end}", run, lines)
        found = [m for _, line in lines if (m := _LANDED.search(line))]
        run["land_s"] = float(found[-1].group(2)) if found else float("nan")
        run["days"] = (end - start).days + 1
        run["command"] = f"ecom load --to warehouse --scale {self.spec['scale']} --start {start} --end {end}"
        return run

    def target(self, partial_parse: Path | None = None) -> Path:
        self.count += 1
        folder = self.root / f"target-{self.count:03d}"
        folder.mkdir()
        if partial_parse is not None:
            shutil.copy(partial_parse, folder / "partial_parse.msgpack")
        return folder

    def dbt(self, argv: list[str], target: Path, window: tuple[dt.date, dt.date] | None = None) -> dict[str, Any]:
        """One dbt invocation (fresh process) with this case's database, target and log folders, and the window
        passed as Dagster passes it (ECOM_DBT_START_DATE / ECOM_DBT_END_DATE)."""
        from ecom_pipeline.transform import window_environment

        cmd = [str(BIN / "dbt"), *argv, "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT)]
        cmd += ["--target-path", str(target), "--log-path", str(self.logs), "--no-use-colors"]
        run = _run(cmd, self.env | window_environment(*(window or (None, None))), cwd=str(self.root))
        lines = run.pop("lines")
        if run["rc"] != 0:
            raise _fail(f"{self.key}: dbt {' '.join(argv)}", run, lines)
        run.update(_parse_dbt(lines, run["wall_s"]))
        window_text = f"ECOM_DBT_START_DATE={window[0]} ECOM_DBT_END_DATE={window[1]} " if window else ""
        run["command"] = window_text + _shell(["dbt", *argv])
        if argv[0] == "parse":  # dbt parse writes perf_info.json: its own time, and how many files it parsed
            perf = json.loads((target / "perf_info.json").read_text())
            run["dbt_s"] = perf["load_all_elapsed"]
            run["parsed_paths"], run["paths"] = perf["parsed_path_count"], perf["path_count"]
            run["full_parse"] = run["full_parse"] or perf["parsed_path_count"] >= perf["path_count"]
        else:
            if run["done"] is None or run["done"]["error"] or run["dbt_s"] is None:
                raise _fail(f"{self.key}: dbt {' '.join(argv)} (no clean 'Done.' line)", run, lines)
            run["nodes"] = _nodes(target / "run_results.json")
        return run

    def prime(self, window: tuple[dt.date, dt.date] | None) -> Path:
        """A partial-parse file for this database, parsed with this window (dbt parse, not timed)."""
        target = self.target()
        self.dbt(["parse"], target, window)
        return target / "partial_parse.msgpack"


def _shell(argv: list[str]) -> str:
    return " ".join(f"'{a}'" if " " in a else a for a in argv)


def _parse_dbt(lines: list[tuple[float, str]], wall: float) -> dict[str, Any]:
    marks: dict[str, float] = {}
    out: dict[str, Any] = {"dbt_s": None, "done": None, "full_parse": False, "finished": None, "threads": None}
    for t, line in lines:
        if "Running with dbt=" in line:
            marks.setdefault("running", t)
        elif ("Found " in line and " models" in line) or "Performance info:" in line:  # dbt parse: the latter
            marks.setdefault("found", t)
        elif m := _FINISHED.search(line):
            marks["finished"] = t
            out["dbt_s"] = float(m.group(2))
            out["finished"] = m.group(1)
        elif m := _DONE.search(line):
            keys = ("pass", "warn", "error", "skip", "no_op", "total")
            out["done"] = {k: int(v or 0) for k, v in zip(keys, m.groups(), strict=True)}
        elif m := re.search(r"Concurrency: (\d+) threads", line):
            out["threads"] = int(m.group(1))
        if any(s in line for s in _FULL_PARSE):
            out["full_parse"] = True
    if out["dbt_s"] is not None and {"running", "found"} <= marks.keys():
        clock_start = marks["finished"] - out["dbt_s"]
        out["phases"] = {
            "startup": marks["running"],
            "parse": marks["found"] - marks["running"],
            "pre_run": clock_start - marks["found"],
            "dbt_run": out["dbt_s"],
            "exit": wall - marks["finished"],
        }
    elif {"running", "found"} <= marks.keys():  # dbt parse
        out["phases"] = {"startup": marks["running"], "parse": marks["found"] - marks["running"]}
    out["overhead_s"] = wall - out["dbt_s"] if out["dbt_s"] is not None else None
    return out


def _nodes(path: Path) -> dict[str, Any]:
    """run_results.json: seconds per node type (summed), compile seconds, each node's time and rows."""
    results = json.loads(path.read_text())
    by_type: dict[str, float] = {}
    count: dict[str, int] = {}
    compile_s = 0.0
    nodes: dict[str, dict[str, Any]] = {}
    for r in results["results"]:
        kind = r["unique_id"].split(".")[0]
        by_type[kind] = by_type.get(kind, 0.0) + r["execution_time"]
        count[kind] = count.get(kind, 0) + 1
        for timing in r.get("timing", []):
            if timing.get("name") == "compile" and timing.get("started_at") and timing.get("completed_at"):
                a = dt.datetime.fromisoformat(timing["started_at"].replace("Z", "+00:00"))
                b = dt.datetime.fromisoformat(timing["completed_at"].replace("Z", "+00:00"))
                compile_s += (b - a).total_seconds()
        response = r.get("adapter_response") or {}
        nodes[r["unique_id"]] = {
            "s": r["execution_time"],
            "rows": response.get("rows_affected"),
            "code": response.get("code"),
        }
    return {
        "elapsed_s": results.get("elapsed_time"),
        "by_type_s": by_type,
        "count": count,
        "compile_s": compile_s,
        "nodes": nodes,
    }


# ----------------------------------------------------------------------------------------------- the cases


def _progress(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _brief(r: dict[str, Any]) -> str:
    dbt_s = f"  dbt {r['dbt_s']:7.2f} s" if r.get("dbt_s") is not None else ""
    return f"wall {r['wall_s']:7.2f} s{dbt_s}" + ("  (full parse)" if r.get("full_parse") else "")


def run_case(key: str, spec: dict[str, Any], args: argparse.Namespace, pycache: str | None) -> dict[str, Any]:
    label = spec["label"]
    setup: list[dict[str, Any]] = []
    runs: dict[str, list[dict[str, Any]]] = {c: [] for c in COMMANDS}
    with fresh_database(args.pg_url) as url:
        case = Case(key, spec, url, args, pycache)
        try:
            if spec["history"]:
                first, last = spec["history"]
                r = case.land(first, last)
                setup.append({"step": "land", **r})
                _progress(f"[setup] {label:<12} {r['command']}: wall {r['wall_s']:.1f} s")
                r = case.dbt(["build"], case.target())
                setup.append({"step": "warm-up build", "what": f"dbt build, full, {r['finished']}", **r})
                _progress(f"[setup] {label:<12} dbt build (warm-up, full, not timed): {_brief(r)}")
                before = _verify(url)
            r = case.land(spec["start"], spec["end"])
            setup.append({"step": "land", **r})
            _progress(f"[setup] {label:<12} {r['command']}: wall {r['wall_s']:.1f} s (land() {r['land_s']:.1f} s)")
            primed = case.prime(spec["window"])
            for i in range(spec["repeat"]):
                for command in COMMANDS if i % 2 == 0 else tuple(reversed(COMMANDS)):
                    _settle(args.pg_url)
                    r = case.dbt([command, *spec["args"]], case.target(primed), spec["window"])
                    runs[command].append(r)
                    _progress(f"[{i + 1}/{spec['repeat']}] {label:<12} {command:<6} {_brief(r)}")
            verify = _verify(url)
        finally:
            case.close()
    out = {"label": label, "what": spec["what"], "setup": setup, "runs": runs, "verify": verify}
    if spec["history"]:
        out["verify_before"] = before
    return out


def run_parse(
    args: argparse.Namespace, pycache: str | None, window: tuple[dt.date, dt.date]
) -> dict[str, list[dict[str, Any]]]:
    """`dbt parse` in three states of the partial-parse file; no database is touched (none is created)."""
    url = _with_database(args.pg_url, "ecom_dbtbench_parse")  # only in the profile (and so in the parse's key)
    case = Case("parse", {"scale": "small"}, url, args, pycache)
    runs: dict[str, list[dict[str, Any]]] = {m: [] for m in PARSE_MODES}
    previous_day = window[0] - dt.timedelta(days=1)
    try:
        case.dbt(["parse"], case.target())  # not timed: fills the bytecode cache
        other_window = case.prime((previous_day, previous_day))
        same_window = case.prime(window)
        for i in range(args.repeat):
            for mode in PARSE_MODES if i % 2 == 0 else tuple(reversed(PARSE_MODES)):
                if mode == "full":
                    r = case.dbt(["parse", "--no-partial-parse"], case.target(), window)
                else:
                    start = same_window if mode == "partial" else other_window
                    r = case.dbt(["parse"], case.target(start), window)
                runs[mode].append(r)
                _progress(f"[{i + 1}/{args.repeat}] parse        {mode:<12} {_brief(r)}")
    finally:
        case.close()
    return runs


# --------------------------------------------------------------------- the dbt step of a Dagster run


def baseline_tree(rev: str, tmpdir: str | None) -> Path:
    """The project at `rev`, exported with `git archive` (the checkout and its git state are left alone)."""
    root = Path(tempfile.mkdtemp(prefix="ecom-dbtbench-baseline-", dir=tmpdir))
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", rev], capture_output=True, check=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(root, filter="data")
    return root


def _ts(text: str) -> float:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _dbt_log(folder: Path) -> dict[str, Any]:
    """A dbt invocation's structured log (dagster-dbt runs dbt with DBT_LOG_FORMAT=json into its target folder)."""
    events = [json.loads(line) for line in (folder / "dbt.log").read_text().splitlines() if line.startswith("{")]
    by_name: dict[str, dict[str, Any]] = {}
    for e in events:
        by_name.setdefault(e["info"]["name"], e)
    found = by_name.get("FoundStats")
    finished = by_name.get("FinishedRunningStats")
    reparsed = by_name.get("PartialParsingEnabled", {}).get("data", {})
    return {
        "first": _ts(events[0]["info"]["ts"]),
        "last": _ts(events[-1]["info"]["ts"]),
        "found": _ts(found["info"]["ts"]) if found else None,
        "run_s": float(finished["data"]["execution_time"]) if finished else None,
        "full_parse": "UnableToPartialParse" in by_name or "PartialParsingEnabled" not in by_name,
        "parse_reason": by_name.get("UnableToPartialParse", {}).get("info", {}).get("msg", ""),
        "reparsed_files": sum(int(reparsed.get(k, 0)) for k in ("added", "changed", "deleted")),
    }


def _step_events(dagster_home: Path) -> dict[str, Any]:
    """The run's step start/end times and durations, and its own start and end, from the instance."""
    import dagster as dg
    from dagster._core.events import DagsterEventType

    out: dict[str, Any] = {"start": {}, "end": {}, "duration": {}}
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        (run,) = instance.get_runs()
        out["run_id"] = run.run_id
        for kind, key in ((DagsterEventType.STEP_START, "start"), (DagsterEventType.STEP_SUCCESS, "end")):
            for record in instance.get_records_for_run(run.run_id, of_type=kind).records:
                entry = record.event_log_entry
                out[key][entry.step_key] = entry.timestamp
                if kind == DagsterEventType.STEP_SUCCESS:
                    out["duration"][entry.step_key] = entry.dagster_event.event_specific_data.duration_ms / 1000
        for kind, key in ((DagsterEventType.RUN_START, "run_start"), (DagsterEventType.RUN_SUCCESS, "run_end")):
            records = instance.get_records_for_run(run.run_id, of_type=kind).records
            out[key] = records[0].event_log_entry.timestamp if records else None
        # dagster-dbt logs "Running dbt command: `...`" and "Finished dbt command: `...`" around each invocation.
        out["dbt_commands"] = [
            (entry.timestamp, entry.user_message)
            for entry in instance.all_logs(run.run_id)
            if entry.step_key == "ecom_dbt" and "dbt command: `" in (entry.user_message or "")
        ]
    return out


def _docs_seconds(commands: list[tuple[float, str]]) -> tuple[float, int]:
    """Time between dagster-dbt's "Running" and "Finished" lines of each `dbt docs generate`, and how many."""
    started = [t for t, message in commands if message.startswith("Running") and "docs generate" in message]
    ended = [t for t, message in commands if message.startswith("Finished") and "docs generate" in message]
    return sum(b - a for a, b in zip(started, ended, strict=False)), len(started)


class StepSide:
    """One code tree (this checkout, or the baseline's export) and its fixed database: every round starts from
    an empty warehouse of the same name (a deployment's warehouse does not change name from run to run)."""

    def __init__(self, key: str, label: str, tree: Path, args: argparse.Namespace, pycache: str | None) -> None:
        from ecom_pipeline.storage.postgres import libpq_environment

        self.key, self.label, self.tree, self.args, self.pycache = key, label, tree, args, pycache
        self.name = f"ecom_dbtbench_step_{key}"
        self.url = _with_database(args.pg_url, self.name)
        self.target = tree / "dbt_project" / "target"
        self.pg = libpq_environment(self.url)

    def prepare(self) -> None:
        """`dbt parse` in the tree with this side's connection: the manifest Dagster loads, and the partial-parse
        state it hands to a run."""
        env = _child_env(self.pg, self.pycache)
        project = self.tree / "dbt_project"
        cmd = [str(BIN / "dbt"), "parse", "--project-dir", str(project), "--profiles-dir", str(project)]
        run = _run(cmd, env, cwd=str(project))
        if run["rc"] != 0:
            raise _fail(f"{self.label}: dbt parse", run, run["lines"])

    def stale_docs(self) -> None:
        """Make the next run regenerate the docs, as the first run after a change of the dbt project does."""
        (self.target / "docs-source.sha256").unlink(missing_ok=True)

    def run(self) -> dict[str, Any]:
        _drop_database(self.args.pg_url, self.name)
        _admin(self.args.pg_url, [(f'CREATE DATABASE "{self.name}"', ())])
        root = Path(tempfile.mkdtemp(prefix=f"ecom-dbtbench-step-{self.key}-", dir=self.args.tmpdir))
        before = {p.name for p in self.target.iterdir()}
        try:
            (root / "dagster").mkdir()
            (root / "dagster" / "dagster.yaml").write_text("")
            env = _child_env(
                {
                    "ECOM_EPOCH": EPOCH.isoformat(),
                    "ECOM_SEED": str(SEED),
                    "ECOM_SCALE": "small",
                    "ECOM_DATABASE_URL": self.url,
                    "ECOM_HOME": str(root / "ecom"),
                    "DAGSTER_HOME": str(root / "dagster"),
                    "PYTHONPATH": str(self.tree),  # this tree's ecom_pipeline, not the installed checkout's
                },
                self.pycache,
            )
            cmd = [str(BIN / "dagster"), "asset", "materialize", "-m", "ecom_pipeline.definitions", "--select", "*"]
            _settle(self.args.pg_url)
            run = _run([*cmd, "--partition", EPOCH.isoformat()], env, cwd=str(self.tree))
            lines = run.pop("lines")
            if run["rc"] != 0:
                raise _fail(f"{self.label}: dagster asset materialize", run, lines)
            steps = _step_events(root / "dagster")
            new = sorted(self.target / n for n in {p.name for p in self.target.iterdir()} - before)
            return {**run, **self._split(steps, new)}
        finally:
            for name in {p.name for p in self.target.iterdir()} - before:
                shutil.rmtree(self.target / name, ignore_errors=True)
            shutil.rmtree(root, ignore_errors=True)

    def _split(self, steps: dict[str, Any], new: list[Path]) -> dict[str, Any]:
        """Where the dbt step's time went, from the instance's step events and dbt's logs of the run."""
        build_dir = next(p for p in new if p.name.startswith("ecom_dbt-") and (p / "run_results.json").exists())
        build = _dbt_log(build_dir)
        nodes = _nodes(build_dir / "run_results.json")
        start, end = steps["start"]["ecom_dbt"], steps["end"]["ecom_dbt"]
        docs_s, docs_runs = _docs_seconds(steps["dbt_commands"])
        return {
            "e2e_s": steps["run_end"] - steps["run_start"] if steps.get("run_end") else None,
            "step_s": steps["duration"]["ecom_dbt"],
            "steps": steps["duration"],
            "before_dbt_s": build["first"] - start,
            "parse_s": (build["found"] - build["first"]) if build["found"] else None,
            "full_parse": build["full_parse"],
            "parse_reason": build["parse_reason"],
            "reparsed_files": build["reparsed_files"],
            "dbt_run_s": build["run_s"],
            "dbt_process_s": build["last"] - build["first"],
            "docs_s": docs_s,
            "docs_runs": docs_runs,
            "after_dbt_s": end - build["last"] - docs_s,
            "nodes": nodes,
        }


def run_step(args: argparse.Namespace, pycache: str | None) -> dict[str, Any]:
    """The ecom_dbt step of one small day through `dagster asset materialize --select '*'`, this checkout against
    the baseline revision, alternating; a warm-up run per side first (bytecode, and the first run's figures)."""
    tree = baseline_tree(args.baseline, args.tmpdir)
    sides = [
        StepSide("baseline", f"main {args.baseline}", tree, args, pycache),
        StepSide("current", "this checkout", ROOT, args, pycache),
    ]
    out: dict[str, Any] = {s.key: {"label": s.label, "runs": []} for s in sides}
    try:
        for side in sides:
            side.prepare()
            side.stale_docs()
            r = side.run()
            out[side.key]["first"] = r
            _progress(f"[warm-up] {side.label:<16} {_step_brief(r)}  (first run: docs regenerated)")
        for i in range(args.repeat):
            for side in sides if i % 2 == 0 else list(reversed(sides)):
                r = side.run()
                out[side.key]["runs"].append(r)
                _progress(f"[{i + 1}/{args.repeat}] {side.label:<16} {_step_brief(r)}")
    finally:
        for side in sides:
            _drop_database(args.pg_url, side.name)
        shutil.rmtree(tree, ignore_errors=True)
    return out


def _step_brief(r: dict[str, Any]) -> str:
    parse = "full" if r["full_parse"] else f"partial ({r['reparsed_files']} files)"
    return (
        f"wall {r['wall_s']:6.1f} s  ecom_dbt {r['step_s']:5.1f} s  parse {r['parse_s']:4.1f} s ({parse})"
        f"  dbt run {r['dbt_run_s']:5.1f} s  docs {r['docs_s']:4.1f} s"
    )


STEP_PARTS = (
    ("wall_s", "end to end, `dagster asset materialize` seen from the parent"),
    ("step_s", "the ecom_dbt step"),
    ("before_dbt_s", "  step start -> dbt's first log line (dagster-dbt set-up, `dbt --version`, dbt's imports)"),
    ("parse_s", "  dbt: profile, adapter and parse"),
    ("dbt_run_s", "  dbt: its run clock (models, tests, seed)"),
    ("docs_s", "  dbt docs generate (process included)"),
    ("after_dbt_s", "  the rest (artifacts, Dagster's events after dbt's last line)"),
)


def summarize_step(result: dict[str, Any]) -> dict[str, Any]:
    for side in result.values():
        rs = side["runs"]
        side["median"] = {k: _med([r[k] for r in rs]) for k, _ in STEP_PARTS}
        kinds = list(dict.fromkeys(k for r in rs for k in r["nodes"]["by_type_s"]))
        side["node_s"] = {k: _med([r["nodes"]["by_type_s"].get(k, 0.0) for r in rs]) for k in kinds}
        side["count"] = rs[-1]["nodes"]["count"]
        side["full_parses"] = sum(bool(r["full_parse"]) for r in rs)
        side["parse_reason"] = next((r["parse_reason"] for r in rs if r["parse_reason"]), "")
        side["reparsed_files"] = _med([r["reparsed_files"] for r in rs])
    return result


def step_checks(step: dict[str, Any]) -> list[tuple[str, bool, str]]:
    cur = step["current"]
    return [
        (
            "step: partial parse in every measured run of this checkout",
            cur["full_parses"] == 0,
            f"{cur['full_parses']} full parse(s) of {len(cur['runs'])} {cur['parse_reason']}".strip(),
        ),
        (
            "step: no docs generation in the measured runs of this checkout",
            all(r["docs_runs"] == 0 for r in cur["runs"]),
            f"{sum(r['docs_runs'] for r in cur['runs'])} docs run(s)",
        ),
        (
            "step: the first run of this checkout regenerated the docs",
            cur["first"]["docs_runs"] > 0 or cur["first"]["docs_s"] > 0,
            f"docs {cur['first']['docs_s']:.1f} s",
        ),
    ]


def _report_step(step: dict[str, Any]) -> list[str]:
    base, cur = step["baseline"], step["current"]
    out = [
        "",
        f"the ecom_dbt step of one small day (2026-01-01) in `dagster asset materialize --select '*'` "
        f"(fresh process and instance, empty warehouse, manifest prepared; median of {len(cur['runs'])})",
    ]
    rows = []
    for key, label in STEP_PARTS:
        b, c = base["median"][key], cur["median"][key]
        rows.append([label, _s(b), _s(c), f"{b / c:.1f}x" if c and c == c and c > 0.05 else ""])
    for kind in dict.fromkeys([*base["node_s"], *cur["node_s"]]):
        label = f"  node time summed, {kind}s ({base['count'].get(kind, 0)} / {cur['count'].get(kind, 0)})"
        rows.append([label, _s(base["node_s"].get(kind)), _s(cur["node_s"].get(kind)), ""])
    out.append(_table(["part (s)", base["label"], cur["label"], "ratio"], rows, right={1, 2, 3}))
    for side in (base, cur):
        parse = (
            f"{side['full_parses']} full parse(s) of {len(side['runs'])} ({side['parse_reason'] or 'no partial state'})"
            if side["full_parses"]
            else f"partial parse in every run ({side['reparsed_files']:.0f} files re-parsed)"
        )
        first = side["first"]
        out.append(
            f"{side['label']}: {parse}; first run (docs regenerated): ecom_dbt {first['step_s']:.1f} s, "
            f"docs {first['docs_s']:.1f} s, end to end {first['wall_s']:.1f} s"
        )
    return out


# ----------------------------------------------------------------------------------------------- summary


def _med(values: list[float]) -> float:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def _summ(rs: list[dict[str, Any]]) -> dict[str, Any]:
    walls = [r["wall_s"] for r in rs]
    phase_keys = list(dict.fromkeys(k for r in rs for k in r.get("phases", {})))
    out: dict[str, Any] = {
        "command": rs[0]["command"],
        "runs": rs,
        "median_s": _med(walls),
        "min_s": min(walls),
        "max_s": max(walls),
        "dbt_s": _med([r["dbt_s"] for r in rs]),
        "overhead_s": _med([r.get("overhead_s") for r in rs]),
        "cpu_s": _med([r["cpu_s"] for r in rs]),
        "peak_rss_mib": max(r["peak_rss_bytes"] for r in rs) / MIB,
        "full_parses": sum(bool(r["full_parse"]) for r in rs),
        "parsed_paths": _med([r.get("parsed_paths") for r in rs]),
        "paths": _med([r.get("paths") for r in rs]),
        "phases": {k: _med([r["phases"].get(k) for r in rs if "phases" in r]) for k in phase_keys},
    }
    if "nodes" in rs[0]:
        kinds = list(dict.fromkeys(k for r in rs for k in r["nodes"]["by_type_s"]))
        out["by_type_s"] = {k: _med([r["nodes"]["by_type_s"].get(k, 0.0) for r in rs]) for k in kinds}
        out["count"] = rs[0]["nodes"]["count"]
        out["compile_s"] = _med([r["nodes"]["compile_s"] for r in rs])
        ids = list(rs[0]["nodes"]["nodes"])
        out["nodes"] = {
            n: {
                "s": _med([r["nodes"]["nodes"][n]["s"] for r in rs if n in r["nodes"]["nodes"]]),
                "rows": rs[-1]["nodes"]["nodes"][n]["rows"],
                "code": rs[-1]["nodes"]["nodes"][n]["code"],
            }
            for n in ids
        }
        out["done"] = rs[-1]["done"]
        out["finished"] = rs[-1]["finished"]
    return out


def summarize(result: dict[str, Any]) -> dict[str, Any]:
    result["commands"] = {c: _summ(rs) for c, rs in result.pop("runs").items()}
    b, r = result["commands"]["build"], result["commands"]["run"]
    result["tests_cost"] = {"wall_s": b["median_s"] - r["median_s"], "dbt_s": b["dbt_s"] - r["dbt_s"]}
    return result


def checks(key: str, spec: dict[str, Any], result: dict[str, Any]) -> list[tuple[str, bool, str]]:
    label = result["label"]
    v = result["verify"]
    found: list[tuple[str, bool, str]] = []
    for raw, mart in (("raw_orders", "fct_orders"), ("raw_order_items", "fct_order_items")):
        found.append(
            (f"{label}: rows of marts.{mart} = raw.{raw.removeprefix('raw_')}", v[mart] == v[raw], f"{v[mart]:,}")
        )
    found.append(
        (
            f"{label}: agg_daily_revenue reaches the last day {spec['end']}",
            v["agg_last_day"] == spec["end"].isoformat(),
            str(v["agg_last_day"]),
        )
    )
    for command, c in result["commands"].items():
        found.append(
            (
                f"{label} {command}: partial parse in every timed invocation",
                c["full_parses"] == 0,
                f"{c['full_parses']} full parse(s) of {len(c['runs'])}",
            )
        )
    if key == "day":
        before = result["verify_before"]
        found.append(
            (
                f"{label}: the timed day added orders to fct_orders",
                v["fct_orders"] > before["fct_orders"],
                f"{before['fct_orders']:,} -> {v['fct_orders']:,}",
            )
        )
        rows = result["commands"]["build"]["nodes"].get("model.ecom.fct_orders", {})
        found.append(
            (
                f"{label}: build was incremental (fct_orders INSERT of part of the table)",
                rows.get("code") == "INSERT" and 0 < (rows.get("rows") or 0) < v["fct_orders"],
                f"{rows.get('code')} {rows.get('rows')}",
            )
        )
    return found


def parse_checks(parse: dict[str, Any]) -> list[tuple[str, bool, str]]:
    out = []
    for mode, p in parse.items():
        expect = mode == "full"
        n = p["full_parses"]
        ok = n == (len(p["runs"]) if expect else 0)
        what = "full parse" if expect else "partial parse"
        out.append((f"dbt parse {mode}: {what} as intended", ok, f"{n} full parse(s) of {len(p['runs'])}"))
    return out


def targets(results: dict[str, Any]) -> list[tuple[str, str, bool]]:
    out = []
    if "day" in results:
        r = results["day"]
        wall = r["commands"]["build"]["median_s"]
        out.append(
            (
                f"{r['label']}: incremental dbt build of one day < {TARGET_DAY_S:.0f} s",
                f"{wall:.2f} s",
                wall < TARGET_DAY_S,
            )
        )
        warm = next((s for s in r["setup"] if s["step"] == "warm-up build"), None)
        if warm:
            ratio = r["commands"]["build"]["dbt_s"] / warm["dbt_s"]
            out.append(
                (
                    f"{r['label']}: incremental day / full build of the {HISTORY_DAYS} days before"
                    f" (dbt's run clock) < {TARGET_INCREMENTAL_RATIO}x",
                    f"{ratio:.2f}x",
                    ratio < TARGET_INCREMENTAL_RATIO,
                )
            )
    if "range" in results:
        r = results["range"]
        wall = r["commands"]["build"]["median_s"]
        out.append(
            (
                f"{r['label']}: dbt build --full-refresh in one invocation < {TARGET_RANGE_S:.0f} s",
                f"{wall:.2f} s",
                wall < TARGET_RANGE_S,
            )
        )
    return out


# ------------------------------------------------------------------------------------------------ report


def _s(value: float | None, digits: int = 2) -> str:
    return "-" if value is None or value != value else f"{value:.{digits}f}"


def _short(unique_id: str) -> str:
    kind, _, rest = unique_id.partition(".")
    name = rest.partition(".")[2]
    if kind == "test":
        name = re.sub(r"\.[0-9a-f]{10}$", "", name)
    return f"{kind} {name}"


def _report_cases(results: dict[str, Any]) -> list[str]:
    out: list[str] = []
    out.append("")
    out.append("setup (fresh database per case; measured once, not part of the results)")
    srows = []
    for r in results.values():
        for s in r["setup"]:
            if s["step"] == "land":
                srows.append(
                    [r["label"], s["command"] + f" ({s['days']} d)", _s(s["wall_s"], 1), _s(s["land_s"], 1), "land()"]
                )
            else:
                what = "dbt build (warm-up: full build of the history, full parse)"
                srows.append([r["label"], what, _s(s["wall_s"], 1), _s(s["dbt_s"], 1), "dbt's run"])
    out.append(_table(["case", "step", "wall s", "work s", "work"], srows, right={2, 3}))

    out.append("")
    out.append(
        "results (fresh dbt process; wall = seen from the parent; dbt s = dbt's own 'Finished running ... in X s';"
        " overhead = wall - dbt s)"
    )
    rows = []
    for r in results.values():
        for command, c in r["commands"].items():
            n = sum(c["count"].values())
            rows.append(
                [
                    r["label"],
                    command,
                    str(len(c["runs"])),
                    _s(c["median_s"]),
                    _s(c["min_s"]),
                    _s(c["max_s"]),
                    _s(c["dbt_s"]),
                    _s(c["overhead_s"]),
                    _s(c["cpu_s"], 1),
                    f"{c['peak_rss_mib']:,.0f}",
                    str(n),
                ]
            )
    header = [
        "case",
        "command",
        "runs",
        "wall s",
        "min s",
        "max s",
        "dbt s",
        "overhead s",
        "cpu s",
        "peak MiB",
        "nodes",
    ]
    out.append(_table(header, rows, right=set(range(2, len(header)))))
    for r in results.values():
        out.append(f"  {r['label']}: {r['what']}")
        for command, c in r["commands"].items():
            out.append(f"    {command}: {c['command']}  -> {c['finished']}")
    out.append("")
    out.append("test cost = build - run (medians; build adds the data tests, unit tests and the seed)")
    trows = []
    for r in results.values():
        b = r["commands"]["build"]
        trows.append(
            [
                r["label"],
                _s(b["median_s"]),
                _s(r["commands"]["run"]["median_s"]),
                _s(r["tests_cost"]["wall_s"]),
                _s(r["tests_cost"]["dbt_s"]),
                f"{r['tests_cost']['dbt_s'] / b['dbt_s'] * 100:.0f}%",
            ]
        )
    out.append(
        _table(
            ["case", "build s", "run s", "tests s (wall)", "tests s (dbt)", "of build"], trows, right={1, 2, 3, 4, 5}
        )
    )
    return out


def _report_parse(parse: dict[str, Any]) -> list[str]:
    out: list[str] = []
    out.append("")
    out.append("dbt parse (fresh process, no database; dbt s = perf_info.json load_all_elapsed)")
    prows = []
    for mode, p in parse.items():
        prows.append(
            [
                mode,
                PARSE_MODES[mode],
                str(len(p["runs"])),
                _s(p["median_s"]),
                _s(p["min_s"]),
                _s(p["max_s"]),
                _s(p["dbt_s"]),
                _s(p["phases"].get("startup")),
                f"{p['parsed_paths']:.0f} of {p['paths']:.0f}",
            ]
        )
    pheader = ["mode", "partial-parse file", "runs", "wall s", "min s", "max s", "dbt s", "startup s", "files parsed"]
    out.append(_table(pheader, prows, right={2, 3, 4, 5, 6, 7, 8}))
    extra = parse["full"]["median_s"] - parse["partial"]["median_s"]
    out.append(
        f"a run whose database differs from its partial-parse file (or which passes --vars) parses in full: "
        f"+{extra:.2f} s on top of the build/run rows above; a new window does not"
    )
    return out


def _report_breakdown(results: dict[str, Any], top: int) -> list[str]:
    out: list[str] = []
    out.append("")
    out.append("where the time goes (medians, s; phases from line arrival, they add up to the wall time)")
    cols = [(r["label"], command, c) for r in results.values() for command, c in r["commands"].items()]
    wrows = []
    for key, label in PHASES:
        wrows.append([label, *(_s(c["phases"].get(key)) for _, _, c in cols)])
    wrows.append(["wall", *(_s(c["median_s"]) for _, _, c in cols)])
    wrows.append(["  dbt CPU (the process; the SQL runs in PostgreSQL)", *(_s(c["cpu_s"]) for _, _, c in cols)])
    wrows.append(["node time, summed over nodes (threads overlap):", *("" for _ in cols)])
    kinds = list(dict.fromkeys(k for _, _, c in cols for k in c["by_type_s"]))
    for kind in kinds:
        n = max(c["count"].get(kind, 0) for _, _, c in cols)
        wrows.append([f"  {kind} ({n})", *(_s(c["by_type_s"].get(kind)) for _, _, c in cols)])
    wrows.append(["  of which compile (Jinja to SQL)", *(_s(c["compile_s"]) for _, _, c in cols)])
    out.append(_table(["part", *(f"{lbl} {cmd}" for lbl, cmd, _ in cols)], wrows, right=set(range(1, len(cols) + 1))))

    for r in results.values():
        b = r["commands"]["build"]
        out.append("")
        out.append(f"{r['label']} build: slowest nodes (median s; rows written)")
        slowest = sorted(b["nodes"].items(), key=lambda kv: -kv[1]["s"])[:top]
        nrows = [
            [_short(n), _s(x["s"]), "" if x["rows"] in (None, -1) else f"{x['code']} {x['rows']:,}"] for n, x in slowest
        ]
        out.append(_table(["node", "s", "rows"], nrows, right={1}))
        v = r["verify"]
        totals = {"fct_orders": v["fct_orders"], "fct_order_items": v["fct_order_items"]}
        totals["agg_daily_revenue"] = v["agg_daily_revenue"]
        parts = []
        for model in INCREMENTAL:
            x = b["nodes"].get(f"model.ecom.{model}", {})
            parts.append(f"{model} {x.get('code')} {x.get('rows') or 0:,} of {totals[model]:,} rows")
        out.append("incremental models: " + "; ".join(parts))
    return out


def report(
    results: dict[str, Any],
    parse: dict[str, Any] | None,
    step: dict[str, Any] | None,
    found: list[tuple[str, bool, str]],
    args: argparse.Namespace,
    load: tuple[float, float],
    wall: float,
) -> None:
    out: list[str] = []
    counts = [f"{r['label']} {len(r['commands']['build']['runs'])}" for r in results.values()]
    if parse:
        counts.append(f"parse {len(next(iter(parse.values()))['runs'])}")
    if step:
        counts.append(f"step {len(step['current']['runs'])}")
    repeats = ", ".join(counts)
    threads = next((x["threads"] for r in results.values() for x in r["commands"]["build"]["runs"]), None)
    out.append(
        f"ecom_pipeline dbt benchmark  seed={SEED}  epoch={EPOCH}  repeat: {repeats} (median; min/max)\n"
        f"python {platform.python_version()}  {platform.machine()}  cpus={_cpus()}  {_server_version(args.pg_url)}"
        f"  dbt-core {_version('dbt-core')}  dbt-postgres {_version('dbt-postgres')}"
        + (f"  threads={threads}" if threads else "")
        + f"  bytecode: {_bytecode_label(args)}  load avg 1 min {load[0]:.2f} -> {load[1]:.2f}"
        f"  benchmark wall {wall / 60:.1f} min"
    )

    if step:
        out += _report_step(step)
    if results:
        out += _report_cases(results)
    if parse:
        out += _report_parse(parse)
    if results:
        out += _report_breakdown(results, args.top)
    out.append("")
    out.append("checks")
    out.append(_table(["check", "found", ""], [[n, v, "ok" if ok else "FAILED"] for n, ok, v in found], right=set()))

    out.append("")
    out.append("targets (this benchmark's own; the issue sets none)")
    trows = [[name, value, _verdict(ok)] for name, value, ok in targets(results)]
    out.append(_table(["target", "measured", ""], trows, right={1}))
    print("\n".join(out), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the day case and of dbt parse (default 3)")
    parser.add_argument("--repeat-range", type=int, default=1, help="rounds of the range case (default 1)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"scale small for the day case, {QUICK_RANGE_DAYS} medium days for the range",
    )
    parser.add_argument(
        "--range-days", type=int, help=f"days of the range case (default {RANGE_DAYS}, --quick {QUICK_RANGE_DAYS})"
    )
    parser.add_argument("--only", metavar="CASE[,CASE]", help="run only these of step, day, range, parse")
    parser.add_argument(
        "--baseline", default=BASELINE, help=f"revision the step case compares with (default {BASELINE})"
    )
    parser.add_argument("--top", type=int, default=6, help="slowest nodes listed per case (default 6)")
    parser.add_argument("--json", metavar="PATH", help="also write every run and the summary as JSON")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("ECOM_BENCH_PG_URL", DEFAULT_PG_URL),
        help="an administrative URL of the server (CREATE/DROP DATABASE, CHECKPOINT); default $ECOM_BENCH_PG_URL "
        f"or {DEFAULT_PG_URL}",
    )
    parser.add_argument("--tmpdir", help="where the dbt targets, logs, ECOM_HOMEs and bytecode cache go")
    parser.add_argument(
        "--bytecode",
        choices=("prefix", "inherit"),
        default="prefix",
        help="prefix (default): the children share a bytecode cache of this run, warmed first; "
        "inherit: the parent's PYTHONDONTWRITEBYTECODE / PYTHONPYCACHEPREFIX as they are",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.repeat_range < 1:
        parser.error("--repeat and --repeat-range must be at least 1")
    if args.range_days is not None and args.range_days < 1:
        parser.error("--range-days must be at least 1")
    for tool in ("dbt", "ecom"):
        if not (BIN / tool).exists():
            parser.error(f"{BIN / tool} not found: run with the project's environment (uv run python ...)")
    cases_ = ("step", "parse", "day", "range")
    only = [c.strip() for c in args.only.split(",") if c.strip()] if args.only else list(cases_)
    unknown = [c for c in only if c not in cases_]
    if unknown:
        parser.error(f"unknown case {', '.join(unknown)}; choose from {', '.join(cases_)}")

    specs = cases(args)
    pycache = tempfile.mkdtemp(prefix="ecom-dbtbench-pycache-", dir=args.tmpdir) if args.bytecode == "prefix" else None
    load_start = _load()
    began = time.perf_counter()
    results: dict[str, Any] = {}
    parse = step = None
    try:
        if "step" in only:
            step = summarize_step(run_step(args, pycache))
        if "parse" in only:
            parse = {m: _summ(rs) for m, rs in run_parse(args, pycache, specs["day"]["window"]).items()}
        for key in ("day", "range"):
            if key in only:
                results[key] = summarize(run_case(key, specs[key], args, pycache))
    finally:
        if pycache:
            shutil.rmtree(pycache, ignore_errors=True)
    wall = time.perf_counter() - began
    _progress(f"(benchmark wall time {wall:.1f} s)\n")
    found = [x for key, r in results.items() for x in checks(key, specs[key], r)]
    if parse:
        found += parse_checks(parse)
    if step:
        found += step_checks(step)
    load = (load_start, _load())
    report(results, parse, step, found, args, load, wall)
    if args.json:
        payload = {
            "meta": {
                "seed": SEED,
                "epoch": EPOCH.isoformat(),
                "repeat": args.repeat,
                "repeat_range": args.repeat_range,
                "quick": args.quick,
                "bytecode": args.bytecode,
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": _cpus(),
                "server": _server_version(args.pg_url),
                "dbt-core": _version("dbt-core"),
                "dbt-postgres": _version("dbt-postgres"),
                "load_avg_1min": list(load),
                "wall_s": wall,
                "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
            "cases": results,
            "parse": parse,
            "step": step,
            "checks": [{"check": n, "ok": ok, "found": v} for n, ok, v in found],
            "targets": [{"target": n, "measured": v, "pass": ok} for n, v, ok in targets(results)],
        }
        Path(args.json).write_text(json.dumps(payload, indent=2, default=str) + "\n")
    return 0 if all(ok for _, ok, _ in found) else 1


if __name__ == "__main__":
    sys.exit(main())
