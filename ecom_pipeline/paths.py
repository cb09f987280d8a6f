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


def dev_command(*args: str) -> str:
    """How to run `ecom ARGS` from the current folder with nothing but python3: through the checkout's dev.py.

    `python3 dev.py ARGS` at the project root, a relative path to dev.py in its folders, an absolute one elsewhere;
    plain `ecom ARGS` for an installed package without a checkout.
    """
    import shlex

    dev = PACKAGE_DIR.parent / "dev.py"
    if not dev.is_file() or project_root() != PACKAGE_DIR.parent:
        return shlex.join(["ecom", *args])
    cwd = Path.cwd().resolve()
    inside = cwd == dev.parent or dev.parent in cwd.parents
    return shlex.join(["python3", os.path.relpath(dev, cwd) if inside else str(dev), *args])
