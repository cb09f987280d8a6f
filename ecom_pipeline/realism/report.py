"""`ecom realism`: get the frames, score them, print the scorecard as a table or JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from ecom_pipeline.generation import parse_anomalies
from ecom_pipeline.realism.scorecard import FAIL, Property, failed, score
from ecom_pipeline.realism.source import folder_config, generate_frames, read_frames
from ecom_pipeline.settings import Settings

DEFAULT_DAYS = 180


def scorecard(settings: Settings, source: Path | None = None) -> tuple[str, list[Property]]:
    """(title, properties) of the dataset the settings name, or of the folder `source`."""
    if source is not None:
        config = folder_config(source)
        frames = read_frames(source, settings.start, settings.end)
        title = f"{source}  seed={config.seed} scale={config.scale.name}"
    else:
        config = settings.generator_config()
        start = settings.start or settings.epoch
        end = settings.end or start + dt.timedelta(days=DEFAULT_DAYS - 1)
        frames = generate_frames(config, start, end, parse_anomalies(settings.anomalies))
        title = f"{start} .. {end}  seed={config.seed} scale={config.scale.name}"
    calendar = config.calendar
    title += f" weekday_profile={calendar.weekday_profile}" + (
        f" scenario={calendar.scenario}" if calendar.scenario else ""
    )
    return title, score(config, frames)


def run(settings: Settings, *, source: Path | None = None, as_json: bool = False) -> bool:
    """Print the scorecard; True when no property fails."""
    title, properties = scorecard(settings, source)
    if as_json:
        click.echo(json.dumps({"dataset": title, "properties": [p.as_dict() for p in properties]}, indent=2))
    else:
        print_table(title, properties)
    return not failed(properties)


def print_table(title: str, properties: list[Property]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"realism scorecard  {title}", show_lines=False)
    for column in ("property", "target", "source", "measured", "tolerance", "verdict"):
        table.add_column(column, overflow="fold")
    for p in properties:
        verdict = f"[bold red]{p.verdict}[/]" if p.verdict == FAIL else p.verdict
        table.add_row(p.name, p.target, p.source, p.measured, p.tolerance, verdict)
    console = Console(soft_wrap=False, width=max(Console().width, 200))
    console.print(table)
    bad = failed(properties)
    counts = {v: sum(p.verdict == v for p in properties) for v in ("pass", "fail", "n/a", "info")}
    console.print(
        ", ".join(f"{n} {v}" for v, n in counts.items()) + (": " + ", ".join(p.name for p in bad) if bad else "")
    )


def markdown(title: str, properties: list[Property]) -> str:
    """The scorecard as a Markdown table (for the README)."""
    lines = [f"`ecom realism` {title}", "", "| property | target | measured | verdict |", "|---|---|---|---|"]
    for p in properties:
        lines.append(f"| {p.name} | {p.target} | {p.measured} | {p.verdict} |")
    return "\n".join(lines)
