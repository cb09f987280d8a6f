#!/usr/bin/env python3
"""Set up and run the project on a machine with only Python 3.11+.

    python3 dev.py demo    # install everything, then generate the first week of `small` data
    python3 dev.py test    # install everything, then run the whole test suite
    python3 dev.py lint    # ruff check and format check, mypy over ecom_pipeline
    python3 dev.py run CMD # any command inside the project environment (dagster, dbt, python ...); dagster
                           # records its runs in the project's instance (.ecom/dagster), the one `ecom ui` shows
    python3 dev.py <any ecom command ...>

It installs uv if it is missing (into a private virtualenv under .ecom/, so the system Python is never
touched), creates the project environment from the committed uv.lock, and runs the command in it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
TOOLS = ROOT / ".ecom" / "tools"


def _uv() -> str:
    found = shutil.which("uv")
    if found:
        return found
    bindir = TOOLS / ("Scripts" if os.name == "nt" else "bin")
    uv = bindir / ("uv.exe" if os.name == "nt" else "uv")
    if not uv.exists():
        print("dev.py: installing uv into .ecom/tools", file=sys.stderr)
        venv.EnvBuilder(with_pip=True, clear=True).create(TOOLS)
        subprocess.run([str(bindir / "python"), "-m", "pip", "install", "--quiet", "uv"], check=True)
    return str(uv)


def _with_dagster_home() -> dict[str, str]:
    """The environment with DAGSTER_HOME at the project's instance (`<ECOM_HOME or .ecom>/dagster`) unless set,
    so `dagster` commands record their runs where `ecom ui` shows them."""
    env = dict(os.environ)
    if not env.get("DAGSTER_HOME"):
        home = ROOT / (env.get("ECOM_HOME") or ".ecom")
        dagster_home = (home / "dagster").resolve()
        dagster_home.mkdir(parents=True, exist_ok=True)
        config = dagster_home / "dagster.yaml"
        if not config.exists() or config.stat().st_size == 0:
            shutil.copyfile(ROOT / "ecom_pipeline" / "dagster.local.yaml", config)
        env["DAGSTER_HOME"] = str(dagster_home)
    return env


def _compile_project() -> None:
    python = ROOT / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    subprocess.run([str(python), "-m", "compileall", "-q", "-j", "0", "ecom_pipeline"], cwd=ROOT, env=env, check=False)


def main(argv: list[str]) -> int:
    if sys.version_info[:2] < (3, 11):  # noqa: UP036 - dev.py runs on whatever python3 the user has
        print(f"dev.py: Python 3.11+ is required, this is {sys.version.split()[0]}", file=sys.stderr)
        return 2
    uv = _uv()
    # Bytecode compiled at install, for the dependencies and the project: a fresh process then imports Dagster,
    # dbt and Great Expectations about twice as fast, even where PYTHONDONTWRITEBYTECODE keeps Python from
    # caching it on its own (nothing is compiled again while it is up to date).
    subprocess.run([uv, "sync", "--frozen", "--quiet", "--compile-bytecode"], cwd=ROOT, check=True)
    _compile_project()
    args = argv or ["demo"]
    if args[0] == "lint":
        ruff = [uv, "run", "--frozen", "ruff"]
        # mypy's cache outside the checkout (like uv's), so a fresh clone is checked incrementally too.
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ecom_pipeline" / "mypy"
        mypy = [uv, "run", "--frozen", "mypy", "--cache-dir", str(cache)]
        checks = [[*ruff, "check", "."], [*ruff, "format", "--check", "."], [*mypy, "ecom_pipeline"]]
        return max(subprocess.call(cmd, cwd=ROOT) for cmd in checks)
    if args[0] == "run":
        return subprocess.call([uv, "run", "--frozen", *args[1:]], cwd=ROOT, env=_with_dagster_home())
    tool = ["pytest", *args[1:]] if args[0] == "test" else ["ecom", *args]
    return subprocess.call([uv, "run", "--frozen", *tool], cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
