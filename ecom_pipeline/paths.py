"""Where the project's local state lives: `<project root>/.ecom` unless `ECOM_HOME` says otherwise.

The root is found from the installed package, not from the current folder, so `ecom` run from any folder of a
checkout (`dbt_project/`, `tests/`) uses the same embedded PostgreSQL, lake and Dagster instance. An installed
wheel (no checkout around it) keeps its state under the current folder.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
HOME_DIR_NAME = ".ecom"
# The local Dagster instance's settings, copied into a new DAGSTER_HOME (dev.py does the same).
DAGSTER_TEMPLATE = PACKAGE_DIR / "dagster.local.yaml"


def project_root() -> Path:
    """The checkout this package runs from (it holds pyproject.toml and dbt_project/), else the current folder."""
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "dbt_project").is_dir():
        return checkout
    return Path.cwd()


def default_home() -> Path:
    return project_root() / HOME_DIR_NAME


def dagster_home(home: Path, environ: dict[str, str] | None = None) -> Path:
    """`DAGSTER_HOME` when set, else `<home>/dagster`; created with the project's instance settings if new."""
    env = os.environ if environ is None else environ
    path = Path(env.get("DAGSTER_HOME") or home / "dagster").resolve()
    path.mkdir(parents=True, exist_ok=True)
    config = path / "dagster.yaml"
    if not config.exists() or config.stat().st_size == 0:
        shutil.copyfile(DAGSTER_TEMPLATE, config)
    return path
