"""deploy/dagster.yaml, verbatim, on a real PostgreSQL: a run is recorded there, successful, with no orphan.

The database is an empty one of its own (`fresh_db`); DAGSTER_PG_* point at it the way docker-compose.yml
points them at the `postgres` service.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dagster as dg
import psycopg
import pytest
from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

INSTANCE_YAML = Path(__file__).resolve().parents[2] / "deploy" / "dagster.yaml"


@pytest.fixture
def instance(fresh_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[DagsterInstance]:
    """DagsterInstance.get() from a DAGSTER_HOME holding deploy/dagster.yaml, on the fresh database."""
    url = urlsplit(fresh_db)
    host = url.hostname or ""
    if not host:  # the embedded server: a unix socket directory in ?host=, which libpq takes from PGHOST
        socket_dir = parse_qs(url.query).get("host", [""])[0]
        assert socket_dir, f"no host in {fresh_db}"
        monkeypatch.setenv("PGHOST", socket_dir)
    monkeypatch.setenv("DAGSTER_PG_USERNAME", unquote(url.username or "postgres"))
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", unquote(url.password or ""))  # empty: trust authentication
    monkeypatch.setenv("DAGSTER_PG_HOST", host)
    monkeypatch.setenv("DAGSTER_PG_PORT", str(url.port or 5432))
    monkeypatch.setenv("DAGSTER_PG_DB", url.path.lstrip("/"))
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(INSTANCE_YAML, home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))

    instance = DagsterInstance.get()
    try:
        yield instance
    finally:
        instance.dispose()


@dg.asset
def tiny() -> int:
    return 42


def test_a_run_is_recorded_in_postgres(instance: DagsterInstance, fresh_db: str) -> None:
    from dagster._core.run_coordinator import QueuedRunCoordinator
    from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

    assert isinstance(instance.run_storage, PostgresRunStorage)
    assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
    assert instance.run_storage.postgres_url.startswith("postgresql+psycopg2://")
    assert isinstance(instance.run_coordinator, QueuedRunCoordinator)
    assert instance.run_coordinator.get_run_queue_config().max_concurrent_runs == 4
    assert not instance.telemetry_enabled

    result = dg.materialize([tiny], instance=instance)

    assert result.success
    assert result.output_for_node("tiny") == 42
    runs = instance.get_runs()
    assert [(r.run_id, r.status) for r in runs] == [(result.run_id, DagsterRunStatus.SUCCESS)]
    # dagster-postgres on psycopg 3 fails the first run and leaves a NOT_STARTED run behind: none here.
    assert instance.get_runs(filters=RunsFilter(statuses=[DagsterRunStatus.NOT_STARTED])) == []
    assert instance.get_latest_materialization_event(dg.AssetKey("tiny")) is not None

    with psycopg.connect(fresh_db) as conn:
        recorded = conn.execute("SELECT run_id, status FROM runs").fetchall()
        events = conn.execute(
            "SELECT count(*) FROM event_logs WHERE run_id = %s AND dagster_event_type = 'ASSET_MATERIALIZATION'",
            (result.run_id,),
        ).fetchone()
    assert recorded == [(result.run_id, "SUCCESS")]
    assert events == (1,)
