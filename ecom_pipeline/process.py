"""Exit costs of the processes that run the pipeline (a Dagster run, the `ecom` CLI)."""

from __future__ import annotations

import atexit
import gc
from functools import cache


@cache
def freeze_at_exit() -> None:
    """Skip the interpreter's last garbage collection over the millions of objects that Dagster, dbt's libraries
    and Great Expectations leave behind: 1.2-1.4 s of every `dagster asset materialize` here. By then the data is
    written and committed, and the operating system closes what is still open."""
    atexit.register(gc.freeze)
