"""`ecom demo` as a new user runs it: nothing configured (the embedded PostgreSQL, a local lake), the whole pipeline
over the first week in one Dagster run, and every command it prints works as printed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
WEEK = [f"2026-01-0{i}" for i in range(1, 8)]


def _environ(home: Path) -> dict[str, str]:
    """A user's shell: no ECOM_*, DAGSTER_* or PG* settings, only the home kept out of the checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOM_", "DAGSTER_", "PG"))}
    env.update(ECOM_HOME=str(home), PYTHONUNBUFFERED="1")
    return env


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, subprocess.CompletedProcess[str]]]:
    home = tmp_path_factory.mktemp("demo") / "home"
    proc = subprocess.run(
        [sys.executable, "-m", "ecom_pipeline.cli", "demo"],
        cwd=ROOT,
        env=_environ(home),
        capture_output=True,
        text=True,
        timeout=900,
    )
    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "demo-output.txt").write_text(proc.stderr + proc.stdout)  # what the README's sample shows
    try:
        yield home, proc
    finally:
        if (home / "postgres").exists():
            import pgserver

            pgserver.get_server(home / "postgres").cleanup()


def _printed(output: str, label: str) -> str:
    line = next(line for line in output.splitlines() if line.strip().startswith(label))
    return line.split(label, 1)[1].strip()


def test_the_demo_runs_every_asset_over_the_first_week_in_one_dagster_run(demo) -> None:
    home, proc = demo
    assert proc.returncode == 0, proc.stderr[-4000:]
    for step in ("land", "ecom_dbt", "marts_checkpoint", "export_gold", "export_gold_snapshots"):
        assert f"  {step}" in proc.stderr, step
    import dagster as dg

    with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
        runs = instance.get_runs()
        partitioned = [r for r in runs if r.tags.get("dagster/asset_partition_range_start")]
        assert len(partitioned) == 1 and partitioned[0].status == dg.DagsterRunStatus.SUCCESS
        assert (
            partitioned[0].tags["dagster/asset_partition_range_start"],
            partitioned[0].tags["dagster/asset_partition_range_end"],
        ) == (WEEK[0], WEEK[-1])
        run_id = partitioned[0].run_id
    assert f"/runs/{run_id}" in proc.stdout
    from ecom_pipeline.storage.lake import resolve_lake

    gold = resolve_lake(home, environ={}).gold
    assert all(gold.manifest("agg_daily_revenue", dt.date.fromisoformat(d)) for d in WEEK)


def test_the_printed_query_works_as_printed_and_adds_no_currencies_together(demo) -> None:
    home, proc = demo
    command = _printed(proc.stdout, "revenue per day:")
    args = shlex.split(command)
    assert args[:2] == ["python3", "dev.py"], command  # runs with nothing but python3, from the project root
    shell = subprocess.run(args, cwd=ROOT, env=_environ(home), capture_output=True, text=True)
    assert shell.returncode == 0, shell.stderr
    rows = [line for line in shell.stdout.splitlines() if line.strip().startswith("2026-01-0")]
    assert [r.split("|")[0].strip() for r in rows] == WEEK
    assert {r.split("|")[-1].strip() for r in rows} == {"USD"}  # one reporting currency


def _stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=15)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def test_the_printed_ui_command_opens_the_instance_holding_the_demo_run(demo) -> None:
    home, proc = demo
    printed = _printed(proc.stdout, "the run in the UI:")
    command, url = printed.split("then open")
    run_id = url.strip().rsplit("/", 1)[-1]
    port = free_port()
    log = home.parent / "ui.log"
    with log.open("wb") as out:
        ui = subprocess.Popen(
            [*shlex.split(command), "-p", str(port), "-h", "127.0.0.1"],  # -h: dagster dev's host
            cwd=ROOT,
            env=_environ(home),
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        query = json.dumps({"query": f'{{ runOrError(runId: "{run_id}") {{ ... on Run {{ status }} }} }}'}).encode()
        deadline = time.monotonic() + 180
        while True:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/graphql", data=query, headers={"Content-Type": "application/json"}
                )
                with urllib.request.urlopen(request, timeout=5) as response:
                    body = json.load(response)
                break
            except OSError:
                assert ui.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(1)
        assert body["data"]["runOrError"] == {"status": "SUCCESS"}
    finally:
        _stop(ui)
