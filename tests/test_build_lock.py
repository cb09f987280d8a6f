"""Loads and dbt builds never interleave: a load waits for a build, a build waits for a publish in progress.

Real processes on a real warehouse: `ecom load` and `ecom dbt build` against a database of the test's own, with the
other side holding the warehouse's advisory lock the way a build (shared) or a publish (exclusive) holds it.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from ecom_pipeline.storage.warehouse import WAREHOUSE_LOCK
from ecom_pipeline.transform import building

pytestmark = pytest.mark.slow

DAY1, DAY2 = dt.date(2026, 1, 1), dt.date(2026, 1, 2)
WAIT_S = 4.0


@pytest.fixture
def env(tmp_path: Path, fresh_db: str) -> dict[str, str]:
    values = {k: v for k, v in os.environ.items() if not k.startswith("ECOM_")}
    values |= {"ECOM_HOME": str(tmp_path / "home"), "ECOM_DATABASE_URL": fresh_db, "ECOM_EPOCH": "2026-01-01"}
    loaded = subprocess.run(
        [sys.executable, "-m", "ecom_pipeline.cli", "load", "--start", DAY1.isoformat()],
        env=values,
        capture_output=True,
        text=True,
    )
    assert loaded.returncode == 0, loaded.stderr
    return values


def _ecom(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ecom_pipeline.cli", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _published(url: str) -> set[dt.date]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT day FROM raw._ecom_partitions GROUP BY day HAVING bool_and(published_at IS NOT NULL)"
        ).fetchall()
    return {r[0] for r in rows}


def test_a_load_waits_for_a_build_in_progress_then_publishes(env: dict[str, str]) -> None:
    url = env["ECOM_DATABASE_URL"]
    with building(url):  # as `ecom dbt build` or the Dagster dbt step holds it
        load = _ecom(env, "load", "--start", DAY2.isoformat())
        time.sleep(WAIT_S)
        assert load.poll() is None, load.communicate()  # still waiting for the build
        assert _published(url) == {DAY1}
    _, stderr = load.communicate(timeout=300)
    assert load.returncode == 0, stderr
    assert _published(url) == {DAY1, DAY2}


def test_a_build_waits_for_a_publish_in_progress_and_then_sees_the_whole_day(env: dict[str, str]) -> None:
    url = env["ECOM_DATABASE_URL"]
    with psycopg.connect(url) as publishing:  # a publish transaction holds the lock exclusively until it commits
        publishing.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (WAREHOUSE_LOCK,))
        build = _ecom(env, "dbt", "build")
        time.sleep(WAIT_S)
        assert build.poll() is None, build.communicate()
        publishing.commit()
    _, stderr = build.communicate(timeout=600)
    assert build.returncode == 0, stderr
    with psycopg.connect(url) as conn:
        (marts,) = conn.execute("SELECT orders FROM marts.agg_daily_revenue WHERE order_date = %s", (DAY1,)).fetchone()
        (raw,) = conn.execute("SELECT count(*) FROM raw.orders WHERE _partition_date = %s", (DAY1,)).fetchone()
    assert marts == raw > 0


def test_every_writer_of_the_warehouse_takes_the_lock_builds_share() -> None:
    """Staging, recording a check, publishing and replacing take the same lock as `building`, exclusively."""
    import inspect

    from ecom_pipeline.storage import warehouse

    source = inspect.getsource(warehouse)
    literal = f"pg_advisory_xact_lock(hashtext('{WAREHOUSE_LOCK}'))"
    assert source.count("pg_advisory_xact_lock") == source.count(literal) >= 4
