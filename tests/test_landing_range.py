"""Landing a range of days with one `ecom load`: its days go through the steps together (one COPY per table, the
staged rules over the range, one publish), and the warehouse ends up as loading the days one by one leaves it.

Runs are in-process through click's `CliRunner`, each with ECOM_HOME in tmp and ECOM_DATABASE_URL at a database
of its own on a real PostgreSQL. A bad day in the middle of a range is made with the anomaly injection
(`inject`, the generator's own): the dataset's bronze day is written to the lake with one anomaly class in it,
and the load reads it back as it reads any bronze day of its dataset. What the warehouse holds is read back with
SQL.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from click.testing import CliRunner, Result

from ecom_pipeline.cli import main
from ecom_pipeline.generation import TABLES, GeneratorConfig, generate_day, inject, parse_anomalies
from ecom_pipeline.generation.dataset import dataset_identity
from ecom_pipeline.storage.lake import resolve_lake
from tests.conftest import throwaway_database

pytestmark = pytest.mark.slow

CONFIG = GeneratorConfig(seed=42)
DAYS = [CONFIG.epoch + dt.timedelta(days=i) for i in range(5)]
BAD = DAYS[2]
BRONZE_IDENTITY = dataset_identity(CONFIG)
# anomaly class -> the gate that refuses the day carrying it
BAD_DAYS = {"orphan_items=0.02": "staged", "duplicate_orders=0.02": "bronze"}


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ECOM_* variable leaks in from the outside, and nothing lands in the checkout."""
    from ecom_pipeline import paths

    for name in list(os.environ):
        if name.startswith("ECOM_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(paths, "project_root", lambda: tmp_path)


@pytest.fixture
def second_db(pg_server_url: str) -> Iterator[str]:
    with throwaway_database(pg_server_url, "ecom_t") as url:
        yield url


def load(monkeypatch: pytest.MonkeyPatch, home: Path, url: str, first: dt.date, last: dt.date) -> Result:
    monkeypatch.setenv("ECOM_HOME", str(home))
    monkeypatch.setenv("ECOM_DATABASE_URL", url)
    return CliRunner().invoke(main, ["load", "--start", first.isoformat(), "--end", last.isoformat()])


def ok(result: Result) -> Result:
    assert result.exit_code == 0, f"{result.output}\n{result.stderr}\n{result.exception!r}"
    return result


def bad_bronze_day(home: Path, day: dt.date, spec: str) -> None:
    """The dataset's bronze day, written to the lake with one anomaly class injected into it alone."""
    frames, labels = inject(generate_day(CONFIG, day), parse_anomalies(spec), seed=CONFIG.seed, day=day)
    assert labels.height > 0
    lake = resolve_lake(home)
    for table in TABLES:
        lake.bronze.write_partition(table, day, frames[table], BRONZE_IDENTITY)


def query(url: str, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return conn.execute(statement, params).fetchall()


def days_in(url: str, schema: str) -> set[dt.date]:
    """The days with rows in any table of a schema."""
    found: set[dt.date] = set()
    for table in TABLES:
        found |= {r[0] for r in query(url, f'SELECT DISTINCT _partition_date FROM "{schema}"."{table}"')}
    return found


def state(url: str) -> dict[str, Any]:
    """What loading leaves in the warehouse, without the times it happened at: the ledger, the checks' verdicts
    (their failed rules and row counts), every raw and raw_stage row."""
    ledger = query(
        url,
        "SELECT table_name, day, identity, identity_hash, rows, sha256, status, published_rows, published_sha256,"
        " staged_at IS NOT NULL, published_at IS NOT NULL, check_status, check_failures"
        " FROM raw._ecom_partitions ORDER BY day, table_name",
    )
    checks = [
        (checkpoint, day, success, sorted((f["rule"], f["unexpected_count"]) for f in failures))
        for checkpoint, day, success, failures in query(
            url, "SELECT checkpoint, day, success, failures FROM raw._ecom_checks ORDER BY checkpoint, day"
        )
    ]
    ledger = [(*row[:-1], sorted((f["rule"], f["unexpected_count"]) for f in row[-1] or [])) for row in ledger]
    rows = {
        f"{schema}.{table}": [
            r[0]
            for r in query(
                url,
                f'SELECT (to_jsonb(t) - \'_loaded_at\')::text FROM "{schema}"."{table}" AS t ORDER BY 1',
            )
        ]
        for schema in ("raw", "raw_stage")
        for table in TABLES
    }
    return {"ledger": ledger, "checks": checks, "rows": rows}


def test_a_range_stages_each_table_with_one_copy_and_records_one_staged_verdict_per_day(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_db: str
) -> None:
    copies: list[str] = []
    real_copy = psycopg.Cursor.copy

    def spy_copy(self: Any, statement: Any, *args: Any, **kwargs: Any) -> Any:
        text = statement if isinstance(statement, str) else statement.as_string(self)
        copies.append(text)
        return real_copy(self, statement, *args, **kwargs)

    monkeypatch.setattr(psycopg.Cursor, "copy", spy_copy)

    result = ok(load(monkeypatch, tmp_path / "home", fresh_db, DAYS[0], DAYS[-1]))

    assert len([c for c in copies if c.startswith('COPY "raw_stage".')]) == len(TABLES)  # one per table
    verdicts = query(
        fresh_db, "SELECT day, success, run_name, statistics FROM raw._ecom_checks WHERE checkpoint = 'staged'"
    )
    assert sorted(v[0] for v in verdicts) == DAYS  # one verdict per day
    assert all(success for _, success, _, _ in verdicts)
    assert {run for _, _, run, _ in verdicts} == {"staged 2026-01-01..2026-01-05"}  # from one run over the range
    assert all(stats["partition"] == day.isoformat() for day, _, _, stats in verdicts)
    ledger = query(fresh_db, "SELECT day, status, check_status, count(*) FROM raw._ecom_partitions GROUP BY 1, 2, 3")
    assert sorted(ledger) == [(day, "published", "passed", len(TABLES)) for day in DAYS]
    assert days_in(fresh_db, "raw") == set(DAYS)
    assert "quality gate staged: 5 of 5 days passed" in result.output
    assert "quality gate bronze: 5 of 5 days passed" in result.output


@pytest.mark.parametrize("spec", list(BAD_DAYS), ids=[f"{gate}-gate" for gate in BAD_DAYS.values()])
def test_a_range_with_a_bad_day_in_the_middle_publishes_exactly_the_days_before_it_and_exits_1_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_db: str, spec: str
) -> None:
    home = tmp_path / "home"
    bad_bronze_day(home, BAD, spec)
    gate = BAD_DAYS[spec]

    result = load(monkeypatch, home, fresh_db, DAYS[0], DAYS[-1])

    assert result.exit_code == 1, result.output + result.stderr
    assert f"the {gate} gate failed for {BAD}" in result.stderr
    assert days_in(fresh_db, "raw") == {DAYS[0], DAYS[1]}
    ledger_days = {r[0] for r in query(fresh_db, "SELECT DISTINCT day FROM raw._ecom_partitions")}
    checks = dict(query(fresh_db, "SELECT day, success FROM raw._ecom_checks WHERE checkpoint = 'staged'"))
    if gate == "staged":  # written and audited, refused, not published; nothing of a later day
        assert days_in(fresh_db, "raw_stage") == {BAD}
        assert ledger_days == {DAYS[0], DAYS[1], BAD}
        assert checks == {DAYS[0]: True, DAYS[1]: True, BAD: False}
    else:  # nothing of it went past bronze
        assert days_in(fresh_db, "raw_stage") == set()
        assert ledger_days == {DAYS[0], DAYS[1]}
        assert checks == {DAYS[0]: True, DAYS[1]: True}
    silver = resolve_lake(home).silver
    assert {d for d in DAYS if silver.manifest("orders", d) is not None} == {DAYS[0], DAYS[1]}


@pytest.mark.parametrize("spec", ["", *BAD_DAYS], ids=["clean", *(f"{g}-gate" for g in BAD_DAYS.values())])
def test_the_warehouse_after_a_range_is_the_warehouse_after_loading_its_days_one_by_one(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, fresh_db: str, second_db: str, spec: str
) -> None:
    ranged, daily = tmp_path / "ranged", tmp_path / "daily"
    if spec:
        bad_bronze_day(ranged, BAD, spec)
        bad_bronze_day(daily, BAD, spec)

    at_once = load(monkeypatch, ranged, fresh_db, DAYS[0], DAYS[-1])
    for day in DAYS:
        one = load(monkeypatch, daily, second_db, day, day)
        if one.exit_code != 0:
            break

    assert at_once.exit_code == one.exit_code == (1 if spec else 0), at_once.output + at_once.stderr
    assert at_once.stderr.split("; Data Docs: ")[0] == one.stderr.split("; Data Docs: ")[0]  # the run's page aside
    assert state(fresh_db) == state(second_db)
