"""The dbt project as Dagster sees it (kept apart from @dbt_assets so it can be prepared on its own).

`@dbt_assets` needs `target/manifest.json` when definitions load. It is prepared by `dbt parse` (at image
build time, in CI before Dagster runs); where it is missing, loading the definitions prepares it once.
"""

import os
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """dbt from the same environment as this interpreter (dagster-dbt runs it as a subprocess)."""
    candidate = Path(sys.executable).with_name("dbt")
    return str(candidate) if candidate.exists() else "dbt"


def ensure_manifest() -> Path:
    """The manifest, parsing the project first if it has never been parsed here (no database needed)."""
    manifest = dbt_project.manifest_path
    if not manifest.exists():
        env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        subprocess.run(
            [dbt_executable(), "parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
            check=True,
            env=env,
            capture_output=True,
        )
    return manifest
