"""dbt outside Dagster: where the project is, how a dbt process is set up, and whether its docs site is current.

`ecom dbt` and the Dagster dbt assets both run dbt as a process of this environment, holding the warehouse's
lock in shared mode (`building`: a load never publishes under a build), with an environment built here: the
warehouse's libpq variables (which `dbt_project/profiles.yml` reads) and the window of days to process
(`ECOM_DBT_START_DATE`, `ECOM_DBT_END_DATE`, read by the project's macro `run_window` at execution only, so a new
window never costs dbt a re-parse). Nothing here writes `os.environ`.

The docs site (`dbt docs generate`: index.html, manifest.json, catalog.json in `dbt_project/target/`) is rebuilt
only when the project's files changed: a digest of them is recorded next to the site.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from ecom_pipeline.errors import DbtNotInstalledError

DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
DOCS_DIR = DBT_PROJECT_DIR / "target"
DOCS_FILES = ("index.html", "manifest.json", "catalog.json")
DOCS_DIGEST = DOCS_DIR / "docs-source.sha256"
# Folders of the project that are dbt's output or downloads, not its source.
_NOT_SOURCE = frozenset({"target", "logs", "dbt_packages", "__pycache__"})
WINDOW_VARIABLES = ("ECOM_DBT_START_DATE", "ECOM_DBT_END_DATE")


def dbt_executable() -> str:
    """The dbt console script of this interpreter's environment, found next to it (not on PATH, which may lack
    the environment); PATH only when the environment has none (dbt installed some other way)."""
    folder = Path(sys.executable).parent
    for name in ("dbt", "dbt.exe"):
        if (folder / name).is_file():
            return str(folder / name)
    found = shutil.which("dbt")
    if found is None:
        raise DbtNotInstalledError(f"dbt is not installed next to {sys.executable} nor on PATH: run `python3 dev.py`")
    return found


def dbt_core_version() -> str | None:
    try:
        return version("dbt-core")
    except PackageNotFoundError:
        return None


def window_environment(start: dt.date | None, end: dt.date | None) -> dict[str, str]:
    """The window variables for days [start, end]; an unset bound is empty (no bound)."""
    return {
        WINDOW_VARIABLES[0]: start.isoformat() if start else "",
        WINDOW_VARIABLES[1]: end.isoformat() if end else "",
    }


def dbt_environment(
    database_url: str,
    window: tuple[dt.date | None, dt.date | None] | None = None,
    environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The whole environment of a dbt process: `environ` (default: this process's) without its libpq variables,
    plus the warehouse's; with `window`, its days replace any window set in `environ`. Anonymous usage
    statistics are off unless `environ` turns them on (offline, dbt would wait on the network)."""
    from ecom_pipeline.storage.postgres import libpq_environment

    base = os.environ if environ is None else environ
    env = {k: v for k, v in base.items() if not k.startswith("PG")}
    env.update(libpq_environment(database_url))
    env.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    if window is not None:
        env.update(window_environment(*window))
    return env


@contextmanager
def building(database_url: str) -> Iterator[None]:
    """Hold the warehouse's lock in shared mode while dbt builds from `raw`.

    Staging, checking and publishing a day take the same advisory lock exclusively (`WAREHOUSE_LOCK`, for the
    length of their transaction): a build waits for a publish in progress and a load waits for a build, so a
    build never reads a day half published (marts that would report a published day with no orders).
    """
    from ecom_pipeline.storage.postgres import connect
    from ecom_pipeline.storage.warehouse import WAREHOUSE_LOCK

    conn = connect(database_url, autocommit=True)
    try:
        conn.execute("SELECT pg_advisory_lock_shared(hashtext(%s))", (WAREHOUSE_LOCK,))
        yield
    finally:
        conn.close()  # the session's advisory locks go with it


def warehouse_is_loaded(database_url: str) -> bool:
    """Whether the warehouse has at least one day published into `raw` (what every model reads)."""
    from psycopg import sql

    from ecom_pipeline.storage.postgres import connect
    from ecom_pipeline.storage.warehouse import LEDGER, RAW

    with connect(database_url) as conn:
        ledger = conn.execute("SELECT to_regclass(%s)", (f"{RAW}._ecom_partitions",)).fetchone()
        if ledger is None or ledger[0] is None:
            return False
        query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {} WHERE published_at IS NOT NULL)").format(LEDGER)
        loaded = conn.execute(query).fetchone()
        return loaded is not None and bool(loaded[0])


def _source_files(root: Path) -> Iterable[Path]:
    """The project's files in a stable order, without walking into what dbt writes (target/ holds every run's)."""
    found: list[Path] = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if name not in _NOT_SOURCE]
        found += [Path(folder, name) for name in files if not name.startswith(".")]
    return sorted(found)


def project_digest(root: Path = DBT_PROJECT_DIR) -> str:
    """sha256 of the dbt project's source files (paths and contents) and of the dbt-core version: what the docs
    site is generated from."""
    digest = hashlib.sha256(f"dbt-core {dbt_core_version()}\n".encode())
    for path in _source_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def docs_current(site: Path = DOCS_DIR, root: Path = DBT_PROJECT_DIR) -> bool:
    """Whether the docs site exists and was generated from the project as it is now."""
    recorded = site / DOCS_DIGEST.name
    if not all((site / name).is_file() for name in DOCS_FILES) or not recorded.is_file():
        return False
    return recorded.read_text().strip() == project_digest(root)


def publish_docs(generated: Path, digest: str, site: Path = DOCS_DIR) -> None:
    """Move a freshly generated docs site (`dbt docs generate`'s target folder) into `site`, each file replaced
    atomically, and record the project digest it was generated from, last."""
    site.mkdir(parents=True, exist_ok=True)
    for name in DOCS_FILES:
        staged = site / f".{name}.incoming"
        shutil.copyfile(generated / name, staged)
        staged.replace(site / name)
    staged = site / f".{DOCS_DIGEST.name}.incoming"
    staged.write_text(digest + "\n")
    staged.replace(site / DOCS_DIGEST.name)
