"""The dbt project as Dagster sees it (kept apart from @dbt_assets so it can be prepared on its own).

`@dbt_assets` needs `target/manifest.json` when definitions load. It is prepared by `dbt parse` (at image
build time, in CI before Dagster runs); where it is missing, or older than the project's files (a pull that
changed a model or a test), loading the definitions parses the project again, once.
"""

import os
import subprocess
from pathlib import Path

from dagster_dbt import DbtProject

from ecom_pipeline.transform import DBT_PROJECT_DIR, dbt_executable, project_digest

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
MANIFEST_DIGEST = "manifest-source.sha256"  # next to the manifest: the project digest it was parsed from


def ensure_manifest() -> Path:
    """The manifest of the project as it is, parsing it first when missing or stale (no database needed)."""
    manifest = dbt_project.manifest_path
    recorded = manifest.parent / MANIFEST_DIGEST
    digest = project_digest()
    if not manifest.exists() or not recorded.exists() or recorded.read_text().strip() != digest:
        env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        subprocess.run(
            [dbt_executable(), "parse", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)],
            check=True,
            env=env,
            capture_output=True,
        )
        recorded.write_text(digest + "\n")
    return manifest


if __name__ == "__main__":  # `python -m ecom_pipeline.defs.dbt_project`: prepare the manifest (at image build time)
    print(ensure_manifest())
