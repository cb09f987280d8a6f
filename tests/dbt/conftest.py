"""The marts of two weeks of `small` data, built once for the dbt tests that read them.

The range (seed 42, 2026-01-01..2026-01-14) is landed with `land()` (lake and warehouse, through the bronze
and staged gates) in a database and a lake of their own, and built with ONE `dbt build` over the range.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import throwaway_database

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
FIRST_DAY, LAST_DAY = dt.date(2026, 1, 1), dt.date(2026, 1, 14)
DAYS = [FIRST_DAY + dt.timedelta(days=i) for i in range((LAST_DAY - FIRST_DAY).days + 1)]


@dataclass(frozen=True)
class MartsWarehouse:
    url: str
    home: Path


def _dbt_executable() -> str:
    beside_python = Path(sys.executable).with_name("dbt")
    return str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")


def land_days(url: str, home: Path, days: list[dt.date], *, seed: int = 42, scale: str = "small") -> None:
    """Land the days (lake and warehouse, through the bronze and staged gates) into the database at `url`."""
    from ecom_pipeline.landing import land
    from ecom_pipeline.settings import load_settings

    land(
        load_settings({"home": home, "seed": seed, "scale": scale}, environ={}),
        days,
        environ={"ECOM_DATABASE_URL": url},
    )


def run_dbt(url: str, tmp: Path, days: list[dt.date], *extra: str, command: str = "build") -> None:
    """One dbt invocation over the window of the days, into its own target and log folders under `tmp`."""
    from ecom_pipeline.storage.postgres import libpq_environment

    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env |= libpq_environment(url) | {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_USE_COLORS": "false"}
    window = json.dumps({"start_date": days[0].isoformat(), "end_date": days[-1].isoformat()})
    args = [_dbt_executable(), command, *extra, "--vars", window, "--threads", "4"]
    for flag, folder in (("--project-dir", DBT_PROJECT_DIR), ("--profiles-dir", DBT_PROJECT_DIR)):
        args += [flag, str(folder)]
    args += ["--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")]
    result = subprocess.run(args, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, f"dbt {command} failed:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"


@pytest.fixture(scope="package")
def marts_warehouse(pg_server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[MartsWarehouse]:
    """The range landed in a database and a lake of their own, and the marts built over it in one dbt run."""
    tmp = tmp_path_factory.mktemp("marts")
    home = tmp / "ecom-home"
    with throwaway_database(pg_server_url, "ecom_marts") as url:
        land_days(url, home, DAYS)
        run_dbt(url, tmp, DAYS)
        yield MartsWarehouse(url, home)
