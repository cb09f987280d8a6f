"""`ecom demo`: the whole pipeline over the first week, through Dagster, on the embedded defaults.

One `dagster asset materialize --select '*' --partition-range <epoch>...<epoch+6>` on the project's Dagster
instance (the one `ecom ui` opens): generate, the bronze gate, silver, stage, the staged gate, publish, the dbt
marts, the marts gate, gold. Dagster's log goes to `<home>/logs/`; the terminal gets one line per step and, at
the end, where to look: the UI on that run, a query that works as printed, the docs.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ecom_pipeline.errors import DemoError

DAYS = 7
_RUN_START = re.compile(r" - ([0-9a-f-]{36}) - .*RUN_START")
_STEP = re.compile(r' - (STEP_SUCCESS|STEP_FAILURE) - .*step "([^"]+)"(?: in ([0-9.]+)(m?s))?')
_FAILURE = re.compile(r"^(?:dagster\._core\.definitions\.events\.)?Failure: (.+)$|^\w+(?:\.\w+)*Error: (.+)$")


@dataclass
class DemoRun:
    first: dt.date
    last: dt.date
    run_id: str | None = None
    steps: list[tuple[str, float]] = field(default_factory=list)
    log: Path | None = None
    seconds: float = 0.0


def dagster_command(first: dt.date, last: dt.date) -> list[str]:
    dagster = Path(sys.executable).with_name("dagster")
    return [
        str(dagster) if dagster.exists() else "dagster",
        "asset",
        "materialize",
        "-m",
        "ecom_pipeline.definitions",
        "--select",
        "*",
        "--partition-range",
        f"{first.isoformat()}...{last.isoformat()}",
    ]


def run(
    environ: Mapping[str, str],
    first: dt.date,
    last: dt.date,
    log: Path,
    on_step: Callable[[str, float], None] | None = None,
) -> DemoRun:
    """Materialize every asset over first..last in one Dagster run; `environ` is the child's whole environment."""
    result = DemoRun(first, last, log=log)
    log.parent.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    failure: list[str] = []
    failed_step: str | None = None
    with log.open("w") as out:
        proc = subprocess.Popen(
            dagster_command(first, last),
            env=dict(environ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            out.write(line)
            if result.run_id is None and (match := _RUN_START.search(line)):
                result.run_id = match.group(1)
            if match := _STEP.search(line):
                kind, step, amount, unit = match.groups()
                if kind == "STEP_FAILURE":
                    failed_step = failed_step or step
                    continue
                seconds = float(amount or 0) / (1000 if unit == "ms" else 1)
                result.steps.append((step, seconds))
                if on_step:
                    on_step(step, seconds)
            elif not failure and (match := _FAILURE.match(line.strip())):
                failure.append(match.group(1) or match.group(2))
        code = proc.wait()
    result.seconds = time.perf_counter() - began
    if code != 0:
        where = f" at step {failed_step}" if failed_step else ""
        reason = f": {failure[0]}" if failure else ""
        raise DemoError(f"the demo run failed{where}{reason} (Dagster's log: {log})")
    return result


def child_environment(base: Mapping[str, str], dagster_home: Path, dataset: Mapping[str, str]) -> dict[str, str]:
    """The environment of the Dagster run: the caller's, on the project's instance, with the dataset's settings."""
    env = {k: v for k, v in base.items() if k != "DAGSTER_HOME"}
    env.update(dataset, DAGSTER_HOME=str(dagster_home), PYTHONUNBUFFERED="1")
    return env


def log_path(home: Path) -> Path:
    return home / "logs" / f"demo-{time.strftime('%Y%m%dT%H%M%S')}.log"


def base_environment() -> dict[str, str]:
    return dict(os.environ)
