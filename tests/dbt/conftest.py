"""The marts of two weeks of `small` data, built once for the dbt tests that read them.

The range (seed 42, 2026-01-01..2026-01-14) is landed with `land()` (lake and warehouse, through the bronze
and staged gates) in a database and a lake of their own, and built with ONE `dbt build` over the range.
"""

from __future__ import annotations

import datetime as dt
import subprocess
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


def land_days(url: str, home: Path, days: list[dt.date], *, seed: int = 42, scale: str = "small") -> None:
    """Land the days (lake and warehouse, through the bronze and staged gates) into the database at `url`."""
    from ecom_pipeline.landing import land
    from ecom_pipeline.settings import load_settings

    land(
        load_settings({"home": home, "seed": seed, "scale": scale}, environ={}),
        days,
        environ={"ECOM_DATABASE_URL": url},
    )


def dbt_command(tmp: Path, command: str, *extra: str) -> list[str]:
    """A dbt command line on the project, with its target and log folders under `tmp`."""
    from ecom_pipeline.transform import dbt_executable

    args = [dbt_executable(), command, *extra]
    for flag, folder in (("--project-dir", DBT_PROJECT_DIR), ("--profiles-dir", DBT_PROJECT_DIR)):
        args += [flag, str(folder)]
    return [*args, "--target-path", str(tmp / "target"), "--log-path", str(tmp / "logs")]


def run_dbt(url: str, tmp: Path, days: list[dt.date], *extra: str, command: str = "build") -> None:
    """One dbt invocation over the window of the days (as Dagster passes it), target and logs under `tmp`."""
    from ecom_pipeline.transform import dbt_environment

    env = dbt_environment(url, (days[0], days[-1])) | {"DBT_USE_COLORS": "false"}
    args = dbt_command(tmp, command, *extra, "--threads", "4")
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
