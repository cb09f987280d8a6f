"""Exit costs of the processes that run the pipeline (a Dagster run, the `ecom` CLI)."""

from __future__ import annotations

import atexit
import gc
import sys
from collections.abc import Sequence
from functools import cache

# The Dagster commands whose process executes a run and then exits: `dagster asset materialize`, `dagster job
# execute` and the run-worker command `dagster api execute_run`. (Runs the UI or the daemon launch through a code
# server exit the usual way.)
RUN_COMMANDS = frozenset({("asset", "materialize"), ("job", "execute"), ("api", "execute_run")})


@cache
def freeze_at_exit() -> None:
    """Skip the interpreter's last garbage collection over the millions of objects that Dagster, dbt's libraries
    and Great Expectations leave behind: 1.2-1.6 s of every `dagster asset materialize` here. By then the data is
    written and committed, and the operating system closes what is still open."""
    atexit.register(gc.freeze)


def executes_a_run(argv: Sequence[str]) -> bool:
    """Whether this process is a Dagster command that executes a run in itself (not a code server, the UI or a
    test session, which import the definitions too)."""
    return tuple(argv[1:3]) in RUN_COMMANDS


def freeze_at_exit_of_a_run(argv: Sequence[str] | None = None) -> None:
    """`freeze_at_exit` in a process that executes a run (this process's command line unless `argv` is given)."""
    if executes_a_run(sys.argv if argv is None else argv):
        freeze_at_exit()
