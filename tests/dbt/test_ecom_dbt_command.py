"""`ecom dbt <args>` runs dbt on the project against the configured warehouse, with nothing else set up.

It is run as a user would from a shell where the project environment is not activated: `.venv/bin/ecom`, with
a PATH that lacks the environment's bin folder (dbt is found next to the interpreter, not on PATH).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ECOM = Path(sys.executable).with_name("ecom")
BIN = str(Path(sys.executable).parent)


def _run(args: list[str], database_url: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "ECOM_", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p and p != BIN)
    env.update(ECOM_DATABASE_URL=database_url, ECOM_HOME=str(home), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    return subprocess.run([str(ECOM), *args], cwd=home, env=env, capture_output=True, text=True, timeout=180)


def test_ecom_dbt_points_dbt_at_the_configured_warehouse_without_the_environment_on_path(
    fresh_db: str, tmp_path: Path
) -> None:
    debug = _run(["dbt", "debug"], fresh_db, tmp_path)
    assert debug.returncode == 0, debug.stdout[-2000:] + debug.stderr[-2000:]
    assert "All checks passed" in debug.stdout
    database = fresh_db.rsplit("/", 1)[-1].split("?")[0]
    assert database in debug.stdout


@pytest.mark.parametrize("state", ["never migrated", "migrated, nothing published"])
def test_ecom_dbt_build_on_an_empty_warehouse_says_to_load_first(fresh_db: str, tmp_path: Path, state: str) -> None:
    if state != "never migrated":
        from ecom_pipeline.storage.warehouse import Warehouse

        Warehouse(fresh_db).migrate()
    result = _run(["dbt", "build"], fresh_db, tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("ecom: error: ") and "load" in lines[0]
    assert "python3 dev.py" in lines[0]
