"""Load benchmark: rows/s and MB/s of landing silver days in PostgreSQL and in the lake, next to their limits.

    uv run python bench/load.py                 # both cases, median of 3 runs (about 6 min on 2 cores)
    uv run python bench/load.py --repeat 1 --quick --json /tmp/load.json

Each run of a case is a fresh interpreter (this file re-invoked with `--case NAME`). The child generates the
day(s) (`iter_day`, not timed), converts them to silver (`day_to_silver`, not timed), writes the same rows as
CSV files for psql (not timed), creates and migrates two throwaway databases (not timed), then times four
writers of the same silver frames, one after the other:

  pg-ours       Warehouse.load(day, frames, identity, epoch, audit=...) per day: stage (COPY into raw_stage),
                a passed verdict recorded (the gate itself is timed by bench/quality.py), publish
                (INSERT .. SELECT into raw, constraints checked at commit), into database ecom_bench_<random>
  pg-copy       the limit: one `psql -f script.sql` session, per day BEGIN; SET CONSTRAINTS ALL DEFERRED;
                raw.ensure_day_partition(...) for the fact tables; `\\copy raw.<table>(...) from '<file>.csv'`
                per table; COMMIT -- into an identical, freshly migrated second database
  lake-ours     resolve_lake(home).silver.write_partition(table, day, frame, identity) per table (local folder)
  lake-pyarrow  the limit: pyarrow.parquet.write_table(frame.to_arrow(), path, compression="zstd") per table

The order alternates by run (even runs: pg-ours, pg-copy, lake-ours, lake-pyarrow; odd runs: the reverse), so
drift and warm-up affect ours and the limits alike. Before each measurement the child runs `sync` and a
PostgreSQL CHECKPOINT (not timed), so no writer pays for the previous one's dirty pages. Row counts in both
databases and both lake folders are checked against the silver frames after the measurements.

To say where the time goes, the child wraps a few functions in memory (never on disk): the warehouse's `_csv` and
`rows_digest`, the lake's `parquet_bytes`, `LocalStore.put`, `psycopg.Connection.execute` (statements are
classified after they ran) and the Warehouse instance's `stage`/`publish`. Each wrapper adds one perf_counter pair
per call, a few dozen calls per day.

Cases:
  xlarge-epoch  xlarge, 2026-01-01 (the epoch, seed 42): 1,000,000 opening customers, their addresses, the catalog
                and the day's orders
  large-week    large, 2026-03-10..2026-03-16 with epoch 2026-03-10 (the warehouse holds a contiguous range from
                the epoch, so the week's first day is this config's epoch day, with its opening population)

`--range` measures the command line instead, end to end: the wall time of

    python -m ecom_pipeline.cli load --start 2026-01-01 --end 2026-01-30 --scale small

(30 small days: generation, both gates, the lake, stage and publish, Great Expectations' import included) in a
fresh process, with a fresh database (created empty, the load migrates it) and a fresh ECOM_HOME (local lake)
each time, ECOM_SEED=42 and ECOM_EPOCH=2026-01-01 (other ECOM_* variables removed). The code runs from a copy of
this checkout's files (`git ls-files`, as they are in the working tree) and, with `--against REV`, from REV
exported with `git archive`, each from its own folder with PYTHONPATH, so both start with an empty Data Docs site
and validation store; their bytecode is compiled before the first run (not timed). Rounds alternate the order of
the two (`--repeat` rounds, median reported); before each run `sync` and a CHECKPOINT (not timed). Each run must
exit 0 with the 30 days published (9 tables each); its own "landed N partitions in X s" (the time inside
`land()`) is reported next to the wall time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import admin as _admin
from common import cpus as _cpus
from common import drop_database as _drop_database
from common import load as _load
from common import peak_rss_bytes as _peak_rss_bytes
from common import server_version as _server_version
from common import table as _table
from common import verdict as _verdict
from common import with_database as _with_database

SEED = 42
XLARGE_DAY = dt.date(2026, 1, 1)
WEEK_EPOCH = dt.date(2026, 3, 10)
WEEK_DAYS = 7
DEFAULT_PG_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

TARGET_PG_RATIO = 1.5  # ours PG / psql \copy
TARGET_LAKE_RATIO = 1.3  # ours lake / plain pyarrow

RESULT_MARK = "BENCH_RESULT "
MB = 1_000_000
MIB = 1024 * 1024

RANGE_START, RANGE_END = dt.date(2026, 1, 1), dt.date(2026, 1, 30)
TARGET_RANGE_S = 15.0  # ecom load of 30 small days, wall clock
LANDED = re.compile(r"landed (\d+) partitions in ([0-9.]+) s")

CASES = {
    "xlarge-epoch": "xlarge 2026-01-01 (epoch day)",
    "large-week": "large 2026-03-10..16 (epoch 2026-03-10)",
}
WRITERS = {
    "pg-ours": "Warehouse.load (stage + publish)",
    "pg-copy": "psql \\copy, one session (limit)",
    "lake-ours": "silver.write_partition, local lake",
    "lake-pyarrow": "pyarrow write_table zstd (limit)",
}
PAIRS = (("pg", "pg-ours", "pg-copy", TARGET_PG_RATIO), ("lake", "lake-ours", "lake-pyarrow", TARGET_LAKE_RATIO))


# --------------------------------------------------------------------------------------------- child


def _settle(admin_url: str) -> None:
    """Flush the previous writer's dirty pages (OS and PostgreSQL) before the next one is timed."""
    os.sync()
    try:
        _admin(admin_url, [("CHECKPOINT", ())])
    except Exception as exc:  # not a superuser / pg_checkpoint member: measure without it
        print(f"bench: CHECKPOINT failed ({exc}); continuing without it", file=sys.stderr)
    gc.collect()


class Probe:
    """Wraps functions the loaders call, in this child only, to attribute their time (one perf_counter pair)."""

    def __init__(self) -> None:
        self.calls: dict[str, list[tuple[float, Any, Any]]] = {}
        self.phase: str | None = None

    def wrap(
        self, name: str, fn: Callable[..., Any], key: Callable[..., Any] = lambda *a, **k: None, keep: bool = True
    ) -> Any:
        sink = self.calls.setdefault(name, [])

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            out = fn(*args, **kwargs)
            sink.append((time.perf_counter() - start, key(*args, **kwargs), out if keep else None))
            return out

        return wrapper

    def phased(self, name: str, fn: Callable[..., Any]) -> Any:
        """Like wrap, and statements executed meanwhile are attributed to this phase."""
        inner = self.wrap(name, fn)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.phase = name
            try:
                return inner(*args, **kwargs)
            finally:
                self.phase = None

        return wrapper

    def take(self) -> dict[str, list[tuple[float, Any, Any]]]:
        taken = {k: list(v) for k, v in self.calls.items()}
        for v in self.calls.values():
            v.clear()
        return taken


_TARGET = re.compile(r"\b(?:raw_stage|raw)\.(\w+)")


def _statement_kind(conn: Any, query: Any) -> tuple[str, str]:
    """(kind, table) of a statement the warehouse executes, from its text (rendered after it ran)."""
    text = query if isinstance(query, str) else query.as_string(conn)
    text = " ".join(text.split()).replace('"', "")
    m = _TARGET.search(text)
    table = m.group(1) if m else ""
    if "ensure_day_partition" in text:
        return "partition", table
    if text.startswith("DELETE FROM raw_stage."):
        return "delete_stage", table
    if text.startswith("DELETE FROM raw."):
        return "delete_raw", table
    if text.startswith(("INSERT INTO raw._ecom_partitions", "UPDATE raw._ecom_partitions")):
        return "ledger", table
    if text.startswith(("INSERT INTO raw.", "WITH moved AS (INSERT INTO raw.")):
        return "insert", table
    return "checks", table


def _prepare(case: str) -> tuple[Any, dict[str, str], list[dt.date], dict[dt.date, dict[str, Any]], float, float]:
    from ecom_pipeline.generation import SCALES, GeneratorConfig
    from ecom_pipeline.generation.daily import iter_day
    from ecom_pipeline.generation.dataset import dataset_identity
    from ecom_pipeline.storage.conform import day_to_silver

    if case == "xlarge-epoch":
        config = GeneratorConfig(seed=SEED, scale=SCALES["xlarge"])
        days = [XLARGE_DAY]
    else:
        config = GeneratorConfig(seed=SEED, scale=SCALES["large"], epoch=WEEK_EPOCH)
        days = [WEEK_EPOCH + dt.timedelta(days=i) for i in range(WEEK_DAYS)]
    gen_s = silver_s = 0.0
    silver = {}
    for day in days:
        start = time.perf_counter()
        frames = dict(iter_day(config, day, threads=2))
        mid = time.perf_counter()
        silver[day] = day_to_silver(day, frames)
        gen_s += mid - start
        silver_s += time.perf_counter() - mid
    return config, dataset_identity(config, pii="full"), days, silver, gen_s, silver_s


def _write_csvs(
    root: Path, days: list[dt.date], silver: dict[dt.date, dict[str, Any]]
) -> dict[tuple[dt.date, str], Path]:
    import polars as pl

    from ecom_pipeline.generation import CONTRACTS

    paths = {}
    for day in days:
        for table, frame in silver[day].items():
            columns = [c.name for c in CONTRACTS[table].columns]
            path = root / f"{table}_{day:%Y%m%d}.csv"
            frame.select(columns).with_columns(pl.lit(day).alias("_partition_date")).write_csv(
                path, include_header=False
            )
            paths[(day, table)] = path
    return paths


def _copy_script(days: list[dt.date], silver: dict[dt.date, dict[str, Any]], csvs: dict[Any, Path]) -> str:
    from ecom_pipeline.generation import CONTRACTS
    from ecom_pipeline.storage.warehouse import FACTS

    lines = ["\\timing on"]
    for day in days:
        lines += [f"\\echo @begin {day}", "BEGIN;", "SET CONSTRAINTS ALL DEFERRED;"]
        for table in silver[day]:
            if table in FACTS:
                lines += [f"\\echo @partition {table}", f"SELECT raw.ensure_day_partition('{table}', '{day}');"]
        for table in silver[day]:
            columns = ", ".join([c.name for c in CONTRACTS[table].columns] + ["_partition_date"])
            lines += [
                f"\\echo @copy {table}",
                f"\\copy raw.{table}({columns}) from '{csvs[(day, table)]}' with (format csv)",
            ]
        lines += [f"\\echo @commit {day}", "COMMIT;"]
    return "\n".join(lines) + "\n"


_TIME = re.compile(r"^Time: ([0-9.]+) ms")


def _parse_timing(stdout: str) -> dict[str, float]:
    """psql `\\timing` lines, summed per `\\echo @label` that precedes them (per table over the days)."""
    out: dict[str, float] = {}
    label = "other"
    for line in stdout.splitlines():
        if line.startswith("@"):
            kind, _, rest = line[1:].partition(" ")
            label = f"{kind} {rest}" if kind in ("copy", "partition") else kind
        elif m := _TIME.match(line):
            out[label] = out.get(label, 0.0) + float(m.group(1)) / 1000
    return out


def _measure_pg_ours(url: str, ctx: dict[str, Any], probe: Probe) -> dict[str, Any]:
    from ecom_pipeline.storage.warehouse import Warehouse

    wh = Warehouse(url)
    wh.stage = probe.phased("stage", wh.stage)  # type: ignore[method-assign]
    wh.publish = probe.phased("publish", wh.publish)  # type: ignore[method-assign]
    probe.take()
    start = time.perf_counter()

    def verdict(day: Any) -> None:
        # The staged gate's verdict, recorded as passed without running the gate: this case measures the
        # loader against psql's COPY; the gates have their own benchmark (bench/quality.py).
        wh.record_check("staged", day, success=True, run_name="bench", staged_version=wh.staged_version(day))

    loads = [wh.load(day, ctx["silver"][day], ctx["identity"], ctx["epoch"], audit=verdict) for day in ctx["days"]]
    seconds = time.perf_counter() - start
    calls = probe.take()

    def add(into: dict[str, float], key: str, value: float) -> None:
        into[key] = into.get(key, 0.0) + value

    stage_t: dict[str, float] = {}
    publish_t: dict[str, float] = {}
    csv_t: dict[str, float] = {}
    csv_calls = iter(calls.get("csv", []))
    for _s, _key, out in calls["stage"]:
        for load in out:
            add(stage_t, load.table, load.seconds)
            took = next(csv_calls, None)  # stage encodes one CSV per table, in the same order
            if took is not None:
                add(csv_t, load.table, took[0])
    for _s, _key, out in calls["publish"]:
        for load in out:
            add(publish_t, load.table, load.seconds)
    digest_t: dict[str, float] = {}
    for s, table, _out in calls.get("digest", []):
        add(digest_t, table, s)
    statements: dict[str, float] = {}  # "<phase> <kind>" -> seconds
    stmt_t: dict[str, dict[str, float]] = {}  # table -> "<phase> <kind>" -> seconds
    for s, (phase, (kind, table)), _out in calls.get("execute", []):
        if phase is None:
            continue
        add(statements, f"{phase} {kind}", s)
        add(stmt_t.setdefault(table, {}), f"{phase} {kind}", s)

    def st(key: str) -> float:
        return statements.get(key, 0.0)

    stage_s = sum(s for s, _, _ in calls["stage"])
    publish_s = sum(s for s, _, _ in calls["publish"])
    stage_sql = sum(v for k, v in statements.items() if k.startswith("stage "))
    publish_sql = sum(v for k, v in statements.items() if k.startswith("publish "))
    csv_s, digest_s = sum(csv_t.values()), sum(digest_t.values())
    return {
        "seconds": seconds,
        "rows": sum(load.rows for day_loads in loads for load in day_loads),
        "bytes": sum(load.bytes for day_loads in loads for load in day_loads),
        "parts": {
            "stage_s": stage_s,
            "stage_csv_s": csv_s,
            "stage_digest_s": digest_s,
            "stage_delete_s": st("stage delete_stage"),
            "stage_ledger_checks_s": st("stage ledger") + st("stage checks"),
            "stage_copy_rest_s": stage_s - csv_s - digest_s - stage_sql,
            "publish_s": publish_s,
            "publish_insert_s": st("publish insert"),
            "publish_delete_stage_s": st("publish delete_stage"),
            "publish_delete_raw_s": st("publish delete_raw"),
            "publish_partition_s": st("publish partition"),
            "publish_ledger_checks_s": st("publish ledger") + st("publish checks"),
            "publish_commit_rest_s": publish_s - publish_sql,
        },
        "statements": statements,
        "by_table": {
            t: {
                "stage_s": stage_t[t],
                "csv_s": csv_t.get(t, 0.0),
                "digest_s": digest_t.get(t, 0.0),
                "copy_s": stage_t[t]
                - csv_t.get(t, 0.0)
                - digest_t.get(t, 0.0)
                - stmt_t.get(t, {}).get("stage delete_stage", 0.0),
                "publish_s": publish_t.get(t, 0.0),
                "insert_s": stmt_t.get(t, {}).get("publish insert", 0.0),
                "delete_stage_s": stmt_t.get(t, {}).get("publish delete_stage", 0.0),
            }
            for t in stage_t
        },
    }


def _measure_pg_copy(url: str, script: Path, csv_bytes: int, rows: int) -> dict[str, Any]:
    from ecom_pipeline.storage.postgres import psql_executable

    cmd = [psql_executable(), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url, "-f", str(script)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"bench: psql failed (exit {proc.returncode}): {proc.stderr.strip()}")
    timing = _parse_timing(proc.stdout)
    copy_s = {k.split(" ", 1)[1]: v for k, v in timing.items() if k.startswith("copy ")}
    return {
        "seconds": seconds,
        "rows": rows,
        "bytes": csv_bytes,
        "parts": {
            "copy_s": sum(copy_s.values()),
            "partitions_s": sum(v for k, v in timing.items() if k.startswith("partition ")),
            "commit_s": timing.get("commit", 0.0),
            "begin_s": timing.get("begin", 0.0),
            "psql_other_s": seconds - sum(timing.values()),
        },
        "by_table": {t: {"copy_s": s} for t, s in copy_s.items()},
    }


def _measure_lake_ours(home: Path, ctx: dict[str, Any], probe: Probe) -> dict[str, Any]:
    from ecom_pipeline.storage.lake import resolve_lake

    silver_layer = resolve_lake(home, environ={}).silver  # environ={}: always the local folder under home
    probe.take()
    by_table: dict[str, float] = {}
    size = rows = 0
    start = time.perf_counter()
    for day in ctx["days"]:
        for table, frame in ctx["silver"][day].items():
            t0 = time.perf_counter()
            manifest = silver_layer.write_partition(table, day, frame, ctx["identity"])
            by_table[table] = by_table.get(table, 0.0) + time.perf_counter() - t0
            size += manifest.bytes
            rows += manifest.rows
    seconds = time.perf_counter() - start
    calls = probe.take()
    encode_s = sum(s for s, _, _ in calls.get("encode", []))
    put_s = sum(s for s, _, _ in calls.get("put", []))
    return {
        "seconds": seconds,
        "rows": rows,
        "bytes": size,
        "parts": {"encode_s": encode_s, "put_s": put_s, "other_s": seconds - encode_s - put_s},
        "by_table": {t: {"write_s": s} for t, s in by_table.items()},
    }


def _measure_lake_pyarrow(root: Path, ctx: dict[str, Any]) -> dict[str, Any]:
    import pyarrow.parquet as pq

    by_table: dict[str, float] = {}
    paths = []
    start = time.perf_counter()
    for day in ctx["days"]:
        for table, frame in ctx["silver"][day].items():
            t0 = time.perf_counter()
            folder = root / table / f"date={day.isoformat()}"
            folder.mkdir(parents=True, exist_ok=True)
            path = folder / "part-00000.parquet"
            pq.write_table(frame.to_arrow(), path, compression="zstd")
            by_table[table] = by_table.get(table, 0.0) + time.perf_counter() - t0
            paths.append(path)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "rows": sum(pq.read_metadata(p).num_rows for p in paths),
        "bytes": sum(p.stat().st_size for p in paths),
        "parts": {},
        "by_table": {t: {"write_s": s} for t, s in by_table.items()},
    }


def _count_rows(url: str, tables: list[str]) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url, connect_timeout=5) as conn:
        return {t: conn.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0] for t in tables}  # type: ignore[index]


def run_child(args: argparse.Namespace) -> None:
    start = time.perf_counter()
    import psycopg
    import pyarrow.parquet  # noqa: F401

    import ecom_pipeline.storage.lake as lake_mod
    import ecom_pipeline.storage.warehouse as warehouse_mod
    from ecom_pipeline.storage.objectstore import LocalStore

    t0 = time.perf_counter()
    import_s = t0 - start
    config, identity, days, silver, gen_s, silver_s = _prepare(args.case)
    ctx = {"identity": identity, "epoch": config.epoch, "days": days, "silver": silver}
    tables = {t: sum(silver[d][t].height for d in days) for t in silver[days[0]]}
    rows = sum(tables.values())

    probe = Probe()  # attribution only; the timed code paths are the package's own
    warehouse_mod._csv = probe.wrap("csv", warehouse_mod._csv)
    warehouse_mod.rows_digest = probe.wrap("digest", warehouse_mod.rows_digest, key=lambda table, frame: table)
    lake_mod.parquet_bytes = probe.wrap("encode", lake_mod.parquet_bytes)
    LocalStore.put = probe.wrap("put", LocalStore.put)  # type: ignore[method-assign]
    psycopg.Connection.execute = probe.wrap(  # type: ignore[method-assign]
        "execute",
        psycopg.Connection.execute,
        key=lambda conn, query, *a, **k: (probe.phase, _statement_kind(conn, query)),
        keep=False,
    )

    ours_db, copy_db = args.dbs.split(",")
    ours_url, copy_url = _with_database(args.pg_url, ours_db), _with_database(args.pg_url, copy_db)
    from ecom_pipeline.storage.warehouse import Warehouse

    results: dict[str, dict[str, Any]] = {}
    settle_s = verify_s = drop_s = 0.0
    with tempfile.TemporaryDirectory(prefix="ecom-bench-load-", dir=args.tmpdir) as tmp:
        root = Path(tmp)
        (root / "csv").mkdir()
        start = time.perf_counter()
        csvs = _write_csvs(root / "csv", days, silver)
        csv_write_s = time.perf_counter() - start
        csv_bytes = sum(p.stat().st_size for p in csvs.values())
        script = root / "copy.sql"
        script.write_text(_copy_script(days, silver, csvs))
        try:
            start = time.perf_counter()
            for name in (ours_db, copy_db):
                _admin(args.pg_url, [(f'CREATE DATABASE "{name}"', ())])
            Warehouse(ours_url).migrate()
            Warehouse(copy_url).migrate()
            db_setup_s = time.perf_counter() - start
            prep_s = time.perf_counter() - t0

            measure: dict[str, Callable[[], dict[str, Any]]] = {
                "pg-ours": lambda: _measure_pg_ours(ours_url, ctx, probe),
                "pg-copy": lambda: _measure_pg_copy(copy_url, script, csv_bytes, rows),
                "lake-ours": lambda: _measure_lake_ours(root / "ours", ctx, probe),
                "lake-pyarrow": lambda: _measure_lake_pyarrow(root / "pyarrow", ctx),
            }
            order = list(measure) if args.run_index % 2 == 0 else list(reversed(measure))
            for writer in order:
                start = time.perf_counter()
                _settle(args.pg_url)
                settle_s += time.perf_counter() - start
                results[writer] = measure[writer]()

            start = time.perf_counter()
            counts = {"pg-ours": _count_rows(ours_url, list(tables)), "pg-copy": _count_rows(copy_url, list(tables))}
            verify_s = time.perf_counter() - start
        finally:
            start = time.perf_counter()
            for name in (ours_db, copy_db):
                _drop_database(args.pg_url, name)
            drop_s = time.perf_counter() - start

    for writer, counted in counts.items():
        if counted != tables:
            raise SystemExit(f"bench: {writer} holds {counted}, expected {tables}")
    for writer in ("lake-ours", "lake-pyarrow"):
        if results[writer]["rows"] != rows:
            raise SystemExit(f"bench: {writer} wrote {results[writer]['rows']} rows, expected {rows}")
    print(
        RESULT_MARK
        + json.dumps(
            {
                "case": args.case,
                "run_index": args.run_index,
                "order": order,
                "days": [d.isoformat() for d in days],
                "rows": rows,
                "tables": tables,
                "csv_bytes": csv_bytes,
                "prep": {
                    "generate_s": gen_s,
                    "silver_s": silver_s,
                    "csv_write_s": csv_write_s,
                    "db_create_migrate_s": db_setup_s,
                    "total_s": prep_s,
                },
                "overhead": {"import_s": import_s, "settle_s": settle_s, "verify_s": verify_s, "drop_s": drop_s},
                "writers": results,
                "peak_rss_bytes": _peak_rss_bytes(),
            }
        ),
        flush=True,
    )


# -------------------------------------------------------------------------------------------- parent


def spawn(case: str, run_index: int, args: argparse.Namespace) -> dict[str, Any]:
    dbs = [f"ecom_bench_{uuid.uuid4().hex[:10]}" for _ in range(2)]
    cmd = [sys.executable, str(Path(__file__).resolve()), "--case", case, "--run-index", str(run_index)]
    cmd += ["--dbs", ",".join(dbs), "--pg-url", args.pg_url]
    if args.tmpdir:
        cmd += ["--tmpdir", args.tmpdir]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False)
    finally:
        for name in dbs:  # the child drops them; this covers a child that died first
            _drop_database(args.pg_url, name)
    process_s = time.perf_counter() - start
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_MARK)]
    if proc.returncode != 0 or not lines:
        sys.stderr.write(proc.stdout + proc.stderr)
        raise SystemExit(f"bench: case {case} failed (exit {proc.returncode})")
    if proc.stderr.strip():
        sys.stderr.write(proc.stderr)
    result = json.loads(lines[-1][len(RESULT_MARK) :])
    result["process_s"] = process_s
    return result


def _median_dict(dicts: list[dict[str, float]]) -> dict[str, float]:
    keys = list(dict.fromkeys(k for d in dicts for k in d))
    return {k: statistics.median(d.get(k, 0.0) for d in dicts) for k in keys}


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    rep = runs[0]
    writers: dict[str, Any] = {}
    for writer in WRITERS:
        seconds = [r["writers"][writer]["seconds"] for r in runs]
        median = statistics.median(seconds)
        size = statistics.median(r["writers"][writer]["bytes"] for r in runs)
        writers[writer] = {
            "median_s": median,
            "min_s": min(seconds),
            "max_s": max(seconds),
            "rows": rep["rows"],
            "rows_per_s": rep["rows"] / median,
            "bytes": size,
            "mb_per_s": size / MB / median,
            "parts": _median_dict([r["writers"][writer]["parts"] for r in runs]),
            "by_table": {
                t: _median_dict([r["writers"][writer]["by_table"].get(t, {}) for r in runs])
                for t in rep["writers"][writer]["by_table"]
            },
        }
    ratios = {}
    for name, ours, limit, target in PAIRS:
        paired = [r["writers"][ours]["seconds"] / r["writers"][limit]["seconds"] for r in runs]
        ratios[name] = {
            "ours": ours,
            "limit": limit,
            "median": statistics.median(paired),
            "min": min(paired),
            "max": max(paired),
            "runs": paired,
            "target": target,
            "pass": statistics.median(paired) <= target,
        }
    counts = sorted({r["rows"] for r in runs})
    return {
        "description": CASES[rep["case"]],
        "runs": runs,
        "rows": rep["rows"],
        "tables": rep["tables"],
        "csv_bytes": rep["csv_bytes"],
        "rows_deterministic": len(counts) == 1,
        "row_counts_seen": counts,
        "writers": writers,
        "ratios": ratios,
        "prep": _median_dict([r["prep"] for r in runs]),
        "process_s": statistics.median(r["process_s"] for r in runs),
        "peak_rss_mib": max(r["peak_rss_bytes"] for r in runs) / MIB,
    }


def report(results: dict[str, dict[str, Any]], args: argparse.Namespace, load: tuple[float, float]) -> None:
    out: list[str] = []
    out.append(
        f"ecom_pipeline load benchmark  seed={SEED}  repeat={args.repeat} (median; min/max)  MB = 10^6 bytes\n"
        f"python {platform.python_version()}  {platform.machine()}  cpus={_cpus()}  {_server_version(args.pg_url)}"
        f"  load avg 1 min {load[0]:.2f} -> {load[1]:.2f}"
    )
    out.append("")
    header = ["case", "writer", "what", "rows", "median s", "min s", "max s", "rows/s", "MB", "MB/s"]
    rows = []
    for case, r in results.items():
        for writer, w in r["writers"].items():
            rows.append(
                [
                    case,
                    writer,
                    WRITERS[writer],
                    f"{w['rows']:,}",
                    f"{w['median_s']:.3f}",
                    f"{w['min_s']:.3f}",
                    f"{w['max_s']:.3f}",
                    f"{w['rows_per_s']:,.0f}",
                    f"{w['bytes'] / MB:,.1f}",
                    f"{w['mb_per_s']:,.1f}",
                ]
            )
    out.append(_table(header, rows, right=set(range(3, len(header)))))
    out.append("")
    out.append("MB = the CSV bytes for pg-* (the same bytes both ways), each writer's own Parquet bytes for lake-*.")
    for case, r in results.items():
        p = r["prep"]
        out.append(
            f"{case}: {r['description']}; not timed: generate {p['generate_s']:.1f} s, silver {p['silver_s']:.1f} s,"
            f" CSV {p['csv_write_s']:.1f} s, 2 DBs created+migrated {p['db_create_migrate_s']:.1f} s;"
            f" child {r['process_s']:.0f} s, peak {r['peak_rss_mib']:,.0f} MiB"
        )
    if any(not r["rows_deterministic"] for r in results.values()):
        out.append("WARNING: row counts differed between repeats (was the code edited during the run?)")

    out.append("")
    out.append("ratios (median of the per-run ratios; each run measures ours and the limit in the same child)")
    rrows = []
    for case, r in results.items():
        for x in r["ratios"].values():
            rrows.append(
                [
                    case,
                    f"{x['ours']} / {x['limit']}",
                    f"{x['median']:.2f}x",
                    f"{x['min']:.2f}x",
                    f"{x['max']:.2f}x",
                    f"<= {x['target']}x",
                    _verdict(x["pass"]),
                ]
            )
    out.append(_table(["case", "ours / limit", "median", "min", "max", "target", ""], rrows, right={2, 3, 4, 5}))

    for case, r in results.items():
        w = r["writers"]
        po, pc = w["pg-ours"]["parts"], w["pg-copy"]["parts"]
        lo = w["lake-ours"]["parts"]
        out.append("")
        out.append(f"{case}: where the time goes (medians, s)")
        brows = [
            ["pg-ours", "stage: one transaction per day", f"{po['stage_s']:.3f}"],
            ["", "  CSV encode (polars write_csv)", f"{po['stage_csv_s']:.3f}"],
            ["", "  rows_digest (cast, sort by key, CSV, sha256)", f"{po['stage_digest_s']:.3f}"],
            ["", "  COPY into raw_stage (+ connect, commit)", f"{po['stage_copy_rest_s']:.3f}"],
            ["", "  DELETE raw_stage day (before COPY)", f"{po['stage_delete_s']:.3f}"],
            ["", "  lock, identity/contiguity checks, ledger", f"{po['stage_ledger_checks_s']:.3f}"],
            ["", "publish: one transaction per day", f"{po['publish_s']:.3f}"],
            ["", "  INSERT .. SELECT into raw", f"{po['publish_insert_s']:.3f}"],
            ["", "  COMMIT: deferred FK checks (+ connect)", f"{po['publish_commit_rest_s']:.3f}"],
            ["", "  DELETE raw_stage day (after INSERT)", f"{po['publish_delete_stage_s']:.3f}"],
            ["", "  DELETE raw day (replace)", f"{po['publish_delete_raw_s']:.3f}"],
            ["", "  ensure_day_partition", f"{po['publish_partition_s']:.3f}"],
            ["", "  lock, checks, ledger", f"{po['publish_ledger_checks_s']:.3f}"],
            ["pg-copy", "\\copy into raw (all tables)", f"{pc['copy_s']:.3f}"],
            ["", "COMMIT: deferred FK checks", f"{pc['commit_s']:.3f}"],
            ["", "ensure_day_partition", f"{pc['partitions_s']:.3f}"],
            ["", "psql start, connect, BEGIN, SET", f"{pc['psql_other_s'] + pc['begin_s']:.3f}"],
            ["lake-ours", "Parquet encode (polars, zstd level 3, statistics)", f"{lo['encode_s']:.3f}"],
            ["", "put (write in-flight file + rename)", f"{lo['put_s']:.3f}"],
            ["", "sha256, manifest, listing", f"{lo['other_s']:.3f}"],
        ]
        out.append(_table(["writer", "part", "s"], brows, right={2}))
        out.append("")
        trows = []
        for table, n in r["tables"].items():
            bo = w["pg-ours"]["by_table"].get(table, {})
            cells = [bo.get(k, 0.0) for k in ("csv_s", "digest_s", "copy_s", "insert_s", "delete_stage_s")]
            cells.append(bo.get("stage_s", 0.0) + bo.get("publish_s", 0.0))
            cells.append(w["pg-copy"]["by_table"].get(table, {}).get("copy_s", 0.0))
            cells.append(w["lake-ours"]["by_table"].get(table, {}).get("write_s", 0.0))
            cells.append(w["lake-pyarrow"]["by_table"].get(table, {}).get("write_s", 0.0))
            trows.append([table, f"{n:,}", *(f"{c:.3f}" for c in cells)])
        header = ["table", "rows", "csv", "digest", "COPY stg", "INSERT", "DEL stg", "ours pg", "\\copy"]
        out.append(_table([*header, "ours lake", "pyarrow"], trows, right=set(range(1, 11))))
        out.append(
            "(seconds per table; ours pg = its stage + publish time without the per-day commits; "
            "COPY stg includes the ledger upsert)"
        )

    out.append("")
    out.append("targets")
    targets = []
    for case, r in results.items():
        for name, x in r["ratios"].items():
            what = "ours PG / psql \\copy" if name == "pg" else "ours lake / plain pyarrow"
            targets.append([f"{case}: {what} <= {x['target']}x", f"{x['median']:.2f}x", _verdict(x["pass"])])
    out.append(_table(["target", "measured", ""], targets, right={1}))
    print("\n".join(out), flush=True)


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for pkg in ("ecom-pipeline", "polars", "pyarrow", "psycopg", "psycopg-binary"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "?"
    return out


# --------------------------------------------------------------------------------------------- --range


def _tree(rev: str | None, tmpdir: str | None) -> Path:
    """The project's files in a folder of their own: this checkout's working tree (rev None) or `rev` exported with
    `git archive`; Great Expectations' run output (uncommitted/) is not copied. Bytecode compiled (not timed)."""
    import io
    import shutil
    import tarfile

    repo = Path(__file__).resolve().parents[1]
    root = Path(tempfile.mkdtemp(prefix=f"ecom-loadbench-{rev or 'here'}-", dir=tmpdir))
    if rev is None:
        names = subprocess.run(["git", "-C", str(repo), "ls-files", "-z"], capture_output=True, check=True)
        for name in names.stdout.decode().split("\0"):
            if name and (repo / name).is_file():
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(repo / name, root / name)
    else:
        command = ["git", "-C", str(repo), "archive", "--format=tar", rev]
        archive = subprocess.run(command, capture_output=True, check=True)
        with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
            tar.extractall(root, filter="data")
    shutil.rmtree(root / "great_expectations" / "uncommitted", ignore_errors=True)
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(root / "ecom_pipeline")], check=True)
    return root


def _range_run(tree: Path, args: argparse.Namespace) -> dict[str, Any]:
    """One `ecom load` of the range from `tree`: a fresh database and ECOM_HOME, timed from here."""
    import shutil

    name = f"ecom_bench_{uuid.uuid4().hex[:10]}"
    home = Path(tempfile.mkdtemp(prefix="ecom-loadbench-home-", dir=args.tmpdir))
    url = _with_database(args.pg_url, name)
    _admin(args.pg_url, [(f'CREATE DATABASE "{name}"', ())])
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOM_", "PYTHONPATH"))}
        env |= {
            "PYTHONPATH": str(tree),
            "ECOM_HOME": str(home),
            "ECOM_DATABASE_URL": url,
            "ECOM_SEED": str(SEED),
            "ECOM_EPOCH": RANGE_START.isoformat(),
        }
        cmd = [sys.executable, "-m", "ecom_pipeline.cli", "load", "--start", RANGE_START.isoformat()]
        cmd += ["--end", RANGE_END.isoformat(), "--scale", "small"]
        _settle(args.pg_url)
        start = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=home, timeout=1800, check=False)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit(f"bench: ecom load from {tree} failed (exit {proc.returncode})")
        import psycopg

        with psycopg.connect(url) as conn:
            days = conn.execute(
                "SELECT count(*) FROM (SELECT day FROM raw._ecom_partitions WHERE status = 'published'"
                " GROUP BY day HAVING count(*) = 9) AS d"
            ).fetchone()[0]
        expected = (RANGE_END - RANGE_START).days + 1
        if days != expected:
            raise SystemExit(f"bench: ecom load from {tree} published {days} days, not {expected}")
        landed = LANDED.search(proc.stdout)
        return {"wall_s": wall, "land_s": float(landed.group(2)) if landed else float("nan"), "days": days}
    finally:
        _drop_database(args.pg_url, name)
        shutil.rmtree(home, ignore_errors=True)


def range_main(args: argparse.Namespace) -> int:
    """`--range`: ecom load of 30 small days, this checkout (and `--against REV`), alternating by round."""
    import shutil

    sides = {"this checkout": _tree(None, args.tmpdir)}
    if args.against:
        sides[args.against] = _tree(args.against, args.tmpdir)
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in sides}
    load_start = _load()
    try:
        for i in range(args.repeat):
            order = list(sides) if i % 2 == 0 else list(reversed(sides))
            for side in order:
                r = _range_run(sides[side], args)
                runs[side].append(r)
                print(
                    f"[{i + 1}/{args.repeat}] {side:<14} wall {r['wall_s']:6.1f} s  inside land() {r['land_s']:6.1f} s"
                    f"  (load {_load():.2f})",
                    file=sys.stderr,
                    flush=True,
                )
    finally:
        for tree in sides.values():
            shutil.rmtree(tree, ignore_errors=True)
    load = (load_start, _load())
    out = [
        f"ecom load --start {RANGE_START} --end {RANGE_END} --scale small (30 days, fresh database and ECOM_HOME"
        f" each, local lake); seed={SEED}; median of {args.repeat}",
        f"python {platform.python_version()}  {platform.machine()}  cpus={_cpus()}  {_server_version(args.pg_url)}"
        f"  load avg 1 min {load[0]:.2f} -> {load[1]:.2f}",
        "",
    ]
    rows = []
    summary: dict[str, Any] = {}
    for side, rs in runs.items():
        walls = [r["wall_s"] for r in rs]
        inside = [r["land_s"] for r in rs]
        median = statistics.median(walls)
        summary[side] = {"runs": rs, "median_wall_s": median, "median_land_s": statistics.median(inside)}
        rows.append(
            [
                side,
                f"{median:.1f}",
                f"{min(walls):.1f}",
                f"{max(walls):.1f}",
                f"{statistics.median(inside):.1f}",
                f"{median / 30:.2f}",
                f"< {TARGET_RANGE_S:.0f}",
                _verdict(median < TARGET_RANGE_S),
            ]
        )
    header = ["code", "median s", "min s", "max s", "in land() s", "s/day", "target", ""]
    out.append(_table(header, rows, right={1, 2, 3, 4, 5, 6}))
    print("\n".join(out), flush=True)
    if args.json:
        payload = {"meta": {"load_avg_1min": list(load), "repeat": args.repeat}, "range": summary}
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="fresh-process runs per case (median reported)")
    parser.add_argument("--quick", action="store_true", help="skip the xlarge epoch day")
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("ECOM_BENCH_PG_URL", DEFAULT_PG_URL),
        help="an administrative URL of the server (CREATE/DROP DATABASE, CHECKPOINT); default $ECOM_BENCH_PG_URL "
        f"or {DEFAULT_PG_URL}",
    )
    parser.add_argument("--tmpdir", help="where the CSV files and lake folders go (default: the system's)")
    parser.add_argument(
        "--range", action="store_true", help="time `ecom load` of 30 small days end to end instead (see above)"
    )
    parser.add_argument("--against", metavar="REV", help="with --range: also time the CLI of git revision REV")
    parser.add_argument("--case", choices=list(CASES), help=argparse.SUPPRESS)  # child mode
    parser.add_argument("--run-index", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--dbs", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        run_child(args)
        return 0
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    if args.against and not args.range:
        parser.error("--against needs --range")
    if args.range:
        return range_main(args)

    cases = [c for c in CASES if not (args.quick and c == "xlarge-epoch")]
    runs: dict[str, list[dict[str, Any]]] = {c: [] for c in cases}
    load_start = _load()
    began = time.perf_counter()
    for i in range(args.repeat):
        for case in cases:
            r = spawn(case, i, args)
            runs[case].append(r)
            secs = "  ".join(f"{w} {r['writers'][w]['seconds']:6.2f} s" for w in WRITERS)
            print(
                f"[{i + 1}/{args.repeat}] {case:<12} {r['rows']:>10,} rows  {secs}"
                f"  (prep {r['prep']['total_s']:.1f} s, child {r['process_s']:.1f} s)",
                file=sys.stderr,
                flush=True,
            )
    print(f"(benchmark wall time {time.perf_counter() - began:.1f} s)\n", file=sys.stderr, flush=True)
    results = {c: summarize(rs) for c, rs in runs.items()}
    load = (load_start, _load())
    report(results, args, load)
    if args.json:
        payload = {
            "meta": {
                "seed": SEED,
                "repeat": args.repeat,
                "quick": args.quick,
                "python": platform.python_version(),
                "platform": platform.platform(),
                "cpus": _cpus(),
                "server": _server_version(args.pg_url),
                "load_avg_1min": list(load),
                "versions": _versions(),
                "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            },
            "cases": results,
        }
        Path(args.json).write_text(json.dumps(payload, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
