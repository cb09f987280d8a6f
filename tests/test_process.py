"""The processes that run the pipeline: what they skip at exit."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ecom_pipeline.process import executes_a_run


def _exit_with_a_finalizer(freeze: bool) -> str:
    code = (
        "import gc\n"
        "class Cycle:\n"
        "    def __del__(self): print('collected', flush=True)\n"
        "c = Cycle(); c.self = c; del c\n"
        "gc.disable()\n"  # only the interpreter's last collection may find the cycle
        + ("from ecom_pipeline.process import freeze_at_exit; freeze_at_exit()\n" if freeze else "")
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout


def test_a_run_process_skips_the_last_garbage_collection_at_exit() -> None:
    assert _exit_with_a_finalizer(freeze=False) == "collected\n"  # what the interpreter does on its own
    assert _exit_with_a_finalizer(freeze=True) == ""


DAGSTER = "/venv/bin/dagster"


@pytest.mark.parametrize(
    "argv",
    [
        [DAGSTER, "asset", "materialize", "-m", "ecom_pipeline.definitions", "--select", "*"],
        [DAGSTER, "job", "execute", "-m", "ecom_pipeline.definitions", "-j", "daily_pipeline"],
        ["/venv/lib/python3.11/site-packages/dagster/__main__.py", "api", "execute_run", "{}"],
    ],
)
def test_the_dagster_commands_that_execute_a_run_skip_it(argv: list[str]) -> None:
    assert executes_a_run(argv)


@pytest.mark.parametrize(
    "argv",
    [
        [DAGSTER, "dev", "-m", "ecom_pipeline.definitions"],
        [DAGSTER, "api", "grpc", "--module-name", "ecom_pipeline.definitions"],
        [DAGSTER, "definitions", "validate", "-m", "ecom_pipeline.definitions"],
        ["/venv/bin/pytest", "tests"],
    ],
)
def test_code_servers_the_ui_and_test_sessions_collect_as_usual(argv: list[str]) -> None:
    """They import the definitions too, and may hold objects whose finalizers report at exit (DuckDB's)."""
    assert not executes_a_run(argv)


def test_the_ecom_command_is_the_cli_with_the_exit_hook() -> None:
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "ecom"]
    assert script.value == "ecom_pipeline.cli:run"
