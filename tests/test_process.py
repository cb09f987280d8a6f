"""The processes that run the pipeline: what they skip at exit."""

from __future__ import annotations

import subprocess
import sys


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
