"""The dbt project as Dagster sees it (kept apart from @dbt_assets so it can be prepared on its own).

`@dbt_assets` needs `target/manifest.json` when definitions load. It is prepared by `dbt parse` (at image
build time, in CI before Dagster runs); where it is missing, loading the definitions prepares it once.
"""

import os
import subprocess
from pathlib import Path

from dagster_dbt import DbtProject

from ecom_pipeline.transform import DBT_PROJECT_DIR, dbt_executable

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


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
