"""`ecom dbt <args>` runs dbt on the project against the configured warehouse, with nothing else set up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_ecom_dbt_points_dbt_at_the_configured_warehouse(fresh_db: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "ECOM_"))}
    env.update(ECOM_DATABASE_URL=fresh_db, ECOM_HOME=str(tmp_path), DBT_SEND_ANONYMOUS_USAGE_STATS="false")
    ecom = Path(sys.executable).with_name("ecom")
    debug = subprocess.run(
        [str(ecom), "dbt", "debug"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert debug.returncode == 0, debug.stdout[-2000:] + debug.stderr[-2000:]
    assert "All checks passed" in debug.stdout
    database = fresh_db.rsplit("/", 1)[-1].split("?")[0]
    assert database in debug.stdout
