"""`ecom`: the command line. Imports only the generation library and storage, never Dagster, dbt or GX.

Bad input exits with status 2 and one line naming the value, before anything is written.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click

from ecom_pipeline import __version__
from ecom_pipeline.settings import Settings, SettingsError, load_settings

EXIT_USAGE = 2


class UsageFailure(click.ClickException):
    exit_code = EXIT_USAGE

    def show(self, file: Any = None) -> None:
        click.echo(f"ecom: error: {self.message}", err=True)


def _fail_cleanly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn configuration and generation errors into one line and exit status 2."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ecom_pipeline.generation.exceptions import GenerationError

        try:
            return fn(*args, **kwargs)
        except (SettingsError, GenerationError) as exc:
            raise UsageFailure(str(exc)) from None

    return wrapper


def _option(name: str, help_text: str, **kwargs: Any) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    env = "ECOM_" + name.upper().replace("-", "_")
    return click.option(f"--{name}", default=None, help=f"{help_text} [env: {env}]", **kwargs)


def _dataset_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    for decorator in reversed(
        [
            _option("seed", "Seed of the dataset (default 42)."),
            _option("scale", "Scale profile: small, medium, large or xlarge (default small)."),
            _option("epoch", "First day of the simulation, YYYY-MM-DD (default 2026-01-01)."),
            _option("opening-customers", "Override the profile's opening customer base."),
            _option("signups-per-day", "Override the profile's average daily sign-ups."),
            _option("opening-products", "Override the profile's opening catalog size."),
            _option("launches-per-day", "Override the profile's average daily product launches."),
            _option("orders-per-day", "Override the profile's average daily orders."),
        ]
    ):
        fn = decorator(fn)
    return fn


def _settings(**flags: Any) -> Settings:
    return load_settings({k.replace("-", "_"): v for k, v in flags.items()})


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ecom")
def main() -> None:
    """Synthetic e-commerce data: deterministic daily partitions of realistic, interconnected tables."""


@main.command()
@_option("start", "First day to generate, YYYY-MM-DD (default: the epoch).")
@_option("end", "Last day to generate, YYYY-MM-DD (default: the start).")
@_option("out", "Output folder (default .ecom/lake/bronze).")
@_option("chunks", "Split each day into this many chunks (default 1).")
@_option("chunk", "Generate only this chunk, 0-based (default 0).")
@_dataset_options
@_fail_cleanly
def generate(**flags: Any) -> None:
    """Generate days START..END into OUT/<table>/date=YYYY-MM-DD/part-NNNNN.parquet."""
    settings = _settings(**flags)
    start = settings.start or settings.epoch
    end = settings.end or start
    if end < start:
        raise SettingsError(f"--end={end} is before start {start}")
    out = settings.out or settings.lake_root / "bronze"
    _run_generate(settings, start, end, out)


@main.command()
@_dataset_options
@_fail_cleanly
def demo(**flags: Any) -> None:
    """Generate the first week of data on the embedded defaults and show what was written where."""
    settings = _settings(**flags)
    out = settings.lake_root / "bronze"
    _run_generate(settings, settings.epoch, settings.epoch + dt.timedelta(days=6), out)


@main.command()
@click.option("--out", default=None, help="Write the JSON Schema to this file instead of standard output.")
def contract(out: str | None) -> None:
    """Print the data contract as JSON Schema."""
    from ecom_pipeline.generation.schemas import json_schema

    text = json.dumps(json_schema(), indent=2)
    if out:
        Path(out).write_text(text + "\n")
    else:
        click.echo(text)


def _run_generate(settings: Settings, start: dt.date, end: dt.date, out: Path) -> None:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ecom_pipeline.generation import Chunk
    from ecom_pipeline.generation.dataset import dataset_metadata, generate_days
    from ecom_pipeline.storage.parquet import check_writable, publish_day

    config = settings.generator_config()
    chunk = Chunk(settings.chunk, settings.chunks)
    try:
        check_writable(out)
    except OSError as exc:
        raise SettingsError(f"--out={out}: not writable ({exc.strerror or exc})") from None
    console = Console(stderr=True)
    days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
    totals: dict[str, list[float]] = {}
    began = time.perf_counter()
    with Progress(
        TextColumn("[bold]generating[/] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    ) as progress:
        task = progress.add_task(start.isoformat(), total=len(days))
        for day, frames in generate_days(config, days, chunk):
            progress.update(task, description=day.isoformat())
            for f in publish_day(out, day, chunk.index, frames, dataset_metadata(config, chunk)):
                acc = totals.setdefault(f.table, [0, 0, 0])
                acc[0] += f.rows
                acc[1] += 1
                acc[2] += f.bytes
            progress.advance(task)
    _print_summary(console, totals, out, start, end, time.perf_counter() - began, settings, chunk)


def _print_summary(
    console: Any,
    totals: dict[str, list[float]],
    out: Path,
    start: dt.date,
    end: dt.date,
    seconds: float,
    settings: Settings,
    chunk: Any,
) -> None:
    from rich.table import Table

    table = Table(
        title=f"ecom generate  {start} .. {end}  seed={settings.seed} scale={settings.scale}"
        + (f"  chunk {chunk.index}/{chunk.count}" if chunk.count > 1 else "")
    )
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("files", justify="right")
    table.add_column("MB", justify="right")
    rows = files = size = 0
    for name, (r, f, b) in totals.items():
        table.add_row(name, f"{int(r):,}", str(int(f)), f"{b / 1e6:.2f}")
        rows, files, size = rows + r, files + f, size + b
    table.add_row("[bold]total", f"[bold]{int(rows):,}", f"[bold]{int(files)}", f"[bold]{size / 1e6:.2f}")
    out_console = type(console)(soft_wrap=True)
    out_console.print(table)
    out_console.print(f"wrote {int(rows):,} rows in {seconds:.2f} s to {out.resolve()}")
    out_console.print(
        f"read it: uv run python -c \"import polars as pl; print(pl.scan_parquet('{out}/orders/**/*.parquet',"
        ' hive_partitioning=True).collect())"'
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
