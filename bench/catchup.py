"""The one-time catch-up of `daily_simulation`, per scale profile: what one run over the days since the epoch costs.

    python3 dev.py run python bench/catchup.py                       # small, medium, large (about 15 min on 2 cores)
    python3 dev.py run python bench/catchup.py --scales small --write-readme

For each profile, two runs of `dagster asset materialize -m ecom_pipeline.definitions --select '*'
--partition-range <epoch>...<epoch + n - 1>` in fresh processes, each on a fresh database, ECOM_HOME and
DAGSTER_HOME (the project's instance settings), for n = --days and 2 x --days. The difference is the cost of
--days more days inside a range run; the rest of the shorter run is the run's fixed cost. The catch-up of D days
is then fixed + D x per-day, for D = the days from the epoch to today (what the first tick requests).
`--write-readme` puts the table between the README's `<!-- catch-up -->` markers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import shutil
import sys
import tempfile
import uuid
from pathlib import Path

from common import admin, drop_database, load, run_child, table, with_database

ROOT = Path(__file__).resolve().parents[1]
EPOCH = dt.date(2026, 1, 1)
BIN = Path(sys.executable).parent


def materialize(scale: str, days: int, admin_url: str, tmpdir: str | None) -> float:
    name = f"ecom_catchup_{uuid.uuid4().hex[:10]}"
    admin(admin_url, [(f'CREATE DATABASE "{name}"', ())])
    root = Path(tempfile.mkdtemp(prefix="ecom-catchup-", dir=tmpdir))
    try:
        dagster_home = root / "dagster"
        dagster_home.mkdir()
        shutil.copyfile(ROOT / "ecom_pipeline" / "dagster.local.yaml", dagster_home / "dagster.yaml")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOM_", "DAGSTER_"))}
        env.update(
            ECOM_EPOCH=EPOCH.isoformat(),
            ECOM_SEED="42",
            ECOM_SCALE=scale,
            ECOM_HOME=str(root / "home"),
            ECOM_DATABASE_URL=with_database(admin_url, name),
            DAGSTER_HOME=str(dagster_home),
        )
        last = EPOCH + dt.timedelta(days=days - 1)
        cmd = [str(BIN / "dagster"), "asset", "materialize", "-m", "ecom_pipeline.definitions", "--select", "*"]
        cmd += ["--partition-range", f"{EPOCH}...{last}"]
        result = run_child(cmd, env, str(ROOT), 4 * 3600)
        if result["rc"] != 0:
            tail = "\n".join(line for _, line in result["lines"][-30:])
            raise SystemExit(f"{scale} x {days} days failed (exit {result['rc']}):\n{tail}")
        return float(result["wall_s"])
    finally:
        drop_database(admin_url, name)
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="small,medium,large")
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today())
    parser.add_argument(
        "--pg-url", default=os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--tmpdir", default=None)
    parser.add_argument("--write-readme", action="store_true")
    args = parser.parse_args()
    catch_up = (args.today - EPOCH).days
    rows = []
    loads = [load()]
    for scale in args.scales.split(","):
        short = materialize(scale, args.days, args.pg_url, args.tmpdir)
        long = materialize(scale, 2 * args.days, args.pg_url, args.tmpdir)
        loads.append(load())
        per_day = max(long - short, 0.0) / args.days
        fixed = max(short - args.days * per_day, 0.0)
        total = fixed + catch_up * per_day
        rows.append([f"`{scale}`", f"{short:.0f} s", f"{long:.0f} s", f"{per_day:.1f} s", _human(total)])
        print(f"{scale}: {args.days} days {short:.1f} s, {2 * args.days} days {long:.1f} s", flush=True)
    header = [
        "profile",
        f"{args.days} days, one run",
        f"{2 * args.days} days, one run",
        "each further day",
        f"catch-up of {catch_up} days (estimate)",
    ]
    text = table(header, rows, right={1, 2, 3, 4})
    print(text)
    machine = f"{os.cpu_count()} cores, load {min(loads):.1f}-{max(loads):.1f}"
    print(machine)
    if args.write_readme:
        markdown = "\n".join(
            [
                "| " + " | ".join(header) + " |",
                "|---|" + "---:|" * (len(header) - 1),
                *("| " + " | ".join(row) + " |" for row in rows),
                "",
                f"`python3 dev.py run python bench/catchup.py` ({args.today}; {machine}; one round each).",
            ]
        )
        readme = ROOT / "README.md"
        text = readme.read_text()
        text = re.sub(
            r"<!-- catch-up -->.*?<!-- /catch-up -->",
            f"<!-- catch-up -->\n{markdown}\n<!-- /catch-up -->",
            text,
            flags=re.S,
        )
        text = re.sub(
            r"<!-- catch-up-days -->\d+<!-- /catch-up-days --> days before [\d-]+",
            f"<!-- catch-up-days -->{catch_up}<!-- /catch-up-days --> days before {args.today}",
            text,
        )
        readme.write_text(text)


def _human(seconds: float) -> str:
    return f"{seconds / 60:.0f} min" if seconds < 5400 else f"{seconds / 3600:.1f} h"


if __name__ == "__main__":
    main()
