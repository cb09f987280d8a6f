"""Quality benchmark: the time of each Great Expectations checkpoint within a day's end-to-end Dagster run.

    uv run python bench/quality.py                      # small epoch day x3, xlarge epoch day x1
    uv run python bench/quality.py --repeat 3 --repeat-xlarge 3
    uv run python bench/quality.py --only small --json /tmp/quality.json

Each round is one fresh process started by this parent, timed from the parent (the user's view):

  dagster asset materialize -m ecom_pipeline.definitions --select '*' --partition 2026-01-01

with a fresh database (CREATE DATABASE ecom_qual_<random>, dropped after), its own temp ECOM_HOME (local lake)
and DAGSTER_HOME (local SQLite storage), ECOM_EPOCH=2026-01-01, ECOM_SEED=42, ECOM_SCALE=<scale>. The run covers
everything the day goes through: generate, the bronze checkpoint, silver, stage, the staged checkpoint,
publish, dbt build, the marts checkpoint, the gold export. After the run the parent reads the run's events back
from the instance:

- per checkpoint, the gate's own time (`gate_seconds` in the check's metadata: validation and Data Docs, as
  measured inside the quality layer, no import) and the whole check step (Dagster's step duration: plan,
  reading the partition, the gate, recording the verdict);
- the one-time `import great_expectations` is measured separately, in fresh processes (median of 3), and taken
  out of the first check step (the bronze one, which pays it) and of the end-to-end time. A checkpoint's cost
  is its check step (the bronze one less the import), but never less than the gate's own time: inside Dagster
  part of what the import loads (pandas, SQLAlchemy) is loaded already, so subtracting the fresh-process import
  alone could undercount it.

Target (issue: quality gates): checkpoints under 30% of the day's end-to-end time, import excluded, i.e.
(sum of the checkpoints' costs) / (end-to-end - import) < 0.30. Reported as medians over the rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from common import admin, cpus, drop_database, load, server_version, table, verdict, version, with_database

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DAY = "2026-01-01"
CHECKS = {"bronze": None, "staged": None, "marts": "marts_checkpoint"}  # bronze and staged run inside `land`
TARGET_SHARE = 0.30
CASES = {"small": "small", "xlarge": "xlarge"}


def _env(extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOM_", "DAGSTER_", "PG"))}
    env.update(extra, PYTHONUNBUFFERED="1", DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


def import_seconds(repeat: int) -> list[float]:
    """`import great_expectations` in fresh processes (what the first gate of a process pays once)."""
    code = "import time; t = time.perf_counter(); import great_expectations; print(time.perf_counter() - t)"
    out = []
    for _ in range(repeat):
        run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=_env({}))
        out.append(float(run.stdout.strip().splitlines()[-1]))
    return out


def _read_run(dagster_home: Path) -> dict[str, Any]:
    """Step durations and the checks' gate seconds of the (only) run in the instance."""
    import dagster as dg
    from dagster._core.events import DagsterEventType

    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        (run,) = instance.get_runs()
        steps = {}
        for record in instance.get_records_for_run(run.run_id, of_type=DagsterEventType.STEP_SUCCESS).records:
            event = record.event_log_entry.dagster_event
            steps[event.step_key] = event.event_specific_data.duration_ms / 1000
        gates: dict[str, list[float]] = {}
        passed: dict[str, bool] = {}
        records = instance.get_records_for_run(run.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION).records
        for record in records:
            data = record.event_log_entry.dagster_event.asset_check_evaluation_data
            if data.check_name in CHECKS:
                gates.setdefault(data.check_name, []).append(data.metadata["gate_seconds"].value)
                passed[data.check_name] = passed.get(data.check_name, True) and data.passed
    return {
        "steps": steps,
        "gate_s": {name: max(values) for name, values in gates.items()},  # one gate run, repeated per asset
        "passed": passed,
    }


def measure(scale: str, args: argparse.Namespace) -> dict[str, Any]:
    name = f"ecom_qual_{uuid.uuid4().hex[:10]}"
    root = Path(tempfile.mkdtemp(prefix="ecom-qual-"))
    try:
        admin(args.pg_url, [(f'CREATE DATABASE "{name}"', ())])
        (root / "ecom").mkdir()
        (root / "dagster").mkdir()
        (root / "dagster" / "dagster.yaml").write_text("")
        env = _env(
            {
                "ECOM_EPOCH": DAY,
                "ECOM_SEED": "42",
                "ECOM_SCALE": scale,
                "ECOM_DATABASE_URL": with_database(args.pg_url, name),
                "ECOM_HOME": str(root / "ecom"),
                "DAGSTER_HOME": str(root / "dagster"),
            }
        )
        cmd = [str(BIN / "dagster"), "asset", "materialize", "-m", "ecom_pipeline.definitions", "--select", "*"]
        began = time.perf_counter()
        run = subprocess.run([*cmd, "--partition", DAY], env=env, cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - began
        if run.returncode != 0:
            sys.stderr.write((run.stdout + run.stderr)[-6000:])
            raise SystemExit(f"bench: the {scale} day failed (exit {run.returncode})")
        return {"wall_s": wall, **_read_run(root / "dagster")}
    finally:
        drop_database(args.pg_url, name)
        shutil.rmtree(root, ignore_errors=True)


def _med(values: list[float]) -> float:
    return statistics.median(values)


def _check_s(run: dict[str, Any], check: str, gx_import: float) -> float:
    """A checkpoint's cost: the gate's own time, or for a check with a step of its own (marts) the whole step
    when larger (plan, reading the partition, the gate, the verdict)."""
    step = CHECKS[check]
    return max(run["steps"][step], run["gate_s"][check]) if step else run["gate_s"][check]


def summarize(rounds: list[dict[str, Any]], gx_import: float) -> dict[str, Any]:
    out: dict[str, Any] = {"rounds": len(rounds), "wall_s": _med([r["wall_s"] for r in rounds])}
    for check, step in CHECKS.items():
        out[f"{check}_gate_s"] = _med([r["gate_s"][check] for r in rounds])
        out[f"{check}_step_s"] = _med([r["steps"][step] if step else r["gate_s"][check] for r in rounds])
        out[f"{check}_passed"] = all(r["passed"][check] for r in rounds)
    shares, totals = [], []
    for r in rounds:
        checks = sum(_check_s(r, check, gx_import) for check in CHECKS)
        totals.append(checks)
        shares.append(checks / (r["wall_s"] - gx_import))
    out["checks_s"] = _med(totals)
    out["e2e_without_import_s"] = out["wall_s"] - gx_import
    out["share"] = _med(shares)
    out["dbt_s"] = _med([r["steps"].get("ecom_dbt", 0.0) for r in rounds])
    return out


def report(results: dict[str, Any], gx_import: list[float], args: argparse.Namespace) -> str:
    imp = _med(gx_import)
    header = ["case", "end to end", "bronze", "staged", "marts", "checkpoints", "share", "target"]
    rows = []
    for case, s in results.items():
        rows.append(
            [
                f"`{case}` epoch day (x{s['rounds']})",
                f"{s['wall_s']:.1f} s",
                f"{s['bronze_gate_s']:.2f} s",
                f"{s['staged_gate_s']:.2f} s",
                f"{s['marts_gate_s']:.2f} s ({s['marts_step_s']:.2f} s)",
                f"{s['checks_s']:.2f} s",
                f"{100 * s['share']:.1f}%",
                f"< 30%: {verdict(s['share'] < TARGET_SHARE)}",
            ]
        )
    lines = [
        f"`uv run python bench/quality.py` ({time.strftime('%Y-%m-%d')}, {platform.machine()}, {cpus()} cores, "
        f"load {load():.1f}, {server_version(args.pg_url)}, great-expectations {version('great-expectations')}, "
        f"dagster {version('dagster')}; medians)",
        "",
        f"One-time `import great_expectations` (fresh processes, median of {len(gx_import)}): {imp:.2f} s "
        f"({', '.join(f'{v:.2f}' for v in gx_import)}).",
        "",
        "Per checkpoint: the gate's own time (validation and Data Docs; bronze and staged run inside the landing "
        "step), and for marts in brackets its whole check step (plan, reading the partition, the gate, the "
        "verdict). `checkpoints` sums each checkpoint's larger figure; `share` divides it by the end-to-end time "
        "less the import.",
        "",
        table(header, rows, right={1, 5, 6}),
    ]
    for case, s in results.items():
        passed = all(s[f"{c}_passed"] for c in CHECKS)
        lines.append(
            f"\n{case}: dbt build {s['dbt_s']:.1f} s of the end-to-end time; every checkpoint "
            f"{'passed' if passed else 'did NOT pass'}."
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the small day (default 3)")
    parser.add_argument("--repeat-xlarge", type=int, default=1, help="rounds of the xlarge day (default 1)")
    parser.add_argument("--only", choices=sorted(CASES), help="one case")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("ECOM_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="an administrative URL of the PostgreSQL server to create the throwaway databases on",
    )
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args(argv)
    gx_import = import_seconds(3)
    results = {}
    for case in [args.only] if args.only else list(CASES):
        repeat = args.repeat_xlarge if case == "xlarge" else args.repeat
        rounds = []
        for i in range(repeat):
            rounds.append(measure(CASES[case], args))
            print(f"[{case} {i + 1}/{repeat}] {rounds[-1]['wall_s']:.1f} s", file=sys.stderr)
        results[case] = summarize(rounds, _med(gx_import))
    print(report(results, gx_import, args))
    if args.json:
        Path(args.json).write_text(json.dumps({"gx_import_s": gx_import, "results": results}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
