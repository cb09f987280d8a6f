"""`ecom`: the command line. Never imports Dagster or dbt; Great Expectations only when a gate runs.

Bad input exits with status 2 and one line naming the value, before anything is written. A day refused by a
quality gate exits with status 1 and one line naming the gate, the day and the failed rules.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any

import click

from ecom_pipeline import __version__
from ecom_pipeline.errors import EcomError, GenerationError, RefusedError, SettingsError
from ecom_pipeline.settings import Settings, load_settings

EXIT_USAGE = EcomError.exit_code
EXIT_GATE = RefusedError.exit_code


class UsageFailure(click.ClickException):
    exit_code = EXIT_USAGE

    def show(self, file: Any = None) -> None:
        click.echo(f"ecom: error: {self.message}", err=True)


class GateFailure(UsageFailure):
    """Bad data, not bad input: the day was refused by a quality gate."""

    exit_code = EXIT_GATE


def _fail_cleanly(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the project's errors (`ecom_pipeline.errors`) into one line and their exit status: 1 for data a gate
    refused, 2 for bad input, a bad setting or an unreachable service."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (SettingsError, GenerationError) as exc:
            raise UsageFailure(str(exc)) from None
        except RefusedError as exc:
            raise GateFailure(str(exc)) from None
        except EcomError as exc:
            from ecom_pipeline.storage.postgres import redact

            raise UsageFailure(redact(str(exc).splitlines()[0])) from None

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
            _option("weekday-profile", "Weekday rhythm: user (Monday low, Friday to Sunday high) or published."),
            _option("scenario", "Traffic scenario: black_friday_load_test (10x on the Black Friday weekend)."),
            _option(
                "anomalies",
                "Corrupt a rate of rows per class and label them in _anomalies, e.g. "
                "duplicate_orders=0.01,null_emails=0.01 (default none).",
            ),
        ]
    ):
        fn = decorator(fn)
    return fn


def _tool(name: str) -> str:
    """An executable of this environment (next to the running interpreter), else from PATH."""
    import shutil

    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        raise SettingsError(f"cannot find `{name}`: run ecom from the project environment (python3 dev.py {name})")
    return found


def _settings(**flags: Any) -> Settings:
    return load_settings({k.replace("-", "_"): v for k, v in flags.items()})


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ecom")
def main() -> None:
    """Synthetic e-commerce data: deterministic daily partitions of realistic, interconnected tables."""
    import warnings

    # The embedded PostgreSQL's library asks for a per-user runtime folder that a container's root has none of.
    warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


@main.command()
@_option("start", "First day to generate, YYYY-MM-DD (default: the epoch).")
@_option("end", "Last day to generate, YYYY-MM-DD (default: the start).")
@_option("out", "Output folder or s3://bucket/prefix (default <home>/lake/bronze).")
@_option("chunks", "Split each day into this many chunks (default 1).")
@_option("chunk", "Generate only this chunk, 0-based (default 0).")
@click.option(
    "--replace-dataset",
    "replace_dataset",
    is_flag=True,
    default=None,
    help="Overwrite an output holding another dataset (refused otherwise). [env: ECOM_REPLACE_DATASET]",
)
@_dataset_options
@_fail_cleanly
def generate(**flags: Any) -> None:
    """Generate days START..END into OUT/<table>/date=YYYY-MM-DD/part-NNNNN.parquet."""
    settings = _settings(**flags)
    start = settings.start or settings.epoch
    end = settings.end or start
    if end < start:
        raise SettingsError(f"--end={end} is before start {start}")
    out = settings.out or str(settings.lake_root / "bronze")
    _run_generate(settings, start, end, out)


@main.command()
@_dataset_options
@_fail_cleanly
def demo(**flags: Any) -> None:
    """Run the whole pipeline over the first week in one Dagster run, and show where to look.

    Generate, the bronze gate, silver, stage, the staged gate, publish, the dbt marts, the marts gate and gold, on
    the configured (by default embedded) PostgreSQL and lake, in the Dagster instance `ecom ui` opens.
    """
    settings = _settings(**flags)
    _run_demo(settings)


@main.command()
@_option("start", "First day to land, YYYY-MM-DD (default: the epoch).")
@_option("end", "Last day to land, YYYY-MM-DD (default: the start).")
@_option("to", "Targets: lake, warehouse or lake,warehouse (default both).")
@_option("pii", "PII in silver and the warehouse: full (default) or masked.")
@click.option(
    "--stage-only",
    "stage_only",
    is_flag=True,
    default=None,
    help="Stage into raw_stage and run the staged gate, do not publish. [env: ECOM_STAGE_ONLY]",
)
@click.option(
    "--publish-only",
    "publish_only",
    is_flag=True,
    default=None,
    help="Publish days already staged whose staged check passed. [env: ECOM_PUBLISH_ONLY]",
)
@click.option(
    "--replace-dataset",
    "replace_dataset",
    is_flag=True,
    default=None,
    help="Clear a warehouse and lake holding another dataset first. [env: ECOM_REPLACE_DATASET]",
)
@_dataset_options
@_fail_cleanly
def load(**flags: Any) -> None:
    """Land days START..END: bronze and silver in the lake, then write-audit-publish into PostgreSQL.

    The bronze and staged quality gates check every day; a day they refuse exits with status 1.
    """
    settings = _settings(**flags)
    start = settings.start or settings.epoch
    end = settings.end or start
    if end < start:
        raise SettingsError(f"--end={end} is before start {start}")
    _run_load(settings, start, end)


@main.command()
@_option("start", "First day measured, YYYY-MM-DD (default: the epoch).")
@_option("end", "Last day measured, YYYY-MM-DD (default: 179 days after the start).")
@click.option("--from", "source", default=None, help="Measure a folder written by `ecom generate` instead.")
@click.option("--json", "as_json", is_flag=True, help="Print the scorecard as JSON.")
@_dataset_options
@_fail_cleanly
def realism(source: str | None, as_json: bool, **flags: Any) -> None:
    """Score a dataset's realism: property, target and its source, measured, tolerance, verdict.

    Generates the dataset in memory (or reads --from PATH) and exits with status 1 when a property is
    outside its tolerance.
    """
    from ecom_pipeline.realism.report import run

    settings = _settings(**flags)
    if not run(settings, source=Path(source) if source else None, as_json=as_json):
        raise GateFailure("realism scorecard: a property is outside its tolerance")


# `-h` is dagster dev's --host here: only --help shows this command's help.
@main.command(context_settings={"ignore_unknown_options": True, "help_option_names": ["--help"]})
@click.argument("dagster_args", nargs=-1, type=click.UNPROCESSED)
@_fail_cleanly
def ui(dagster_args: tuple[str, ...]) -> None:
    """Open the Dagster UI (`dagster dev`: webserver and daemon) on the project's instance (DAGSTER_HOME).

    The instance is `<home>/dagster` unless DAGSTER_HOME is set: the same one `python3 dev.py run dagster ...`,
    `ecom backfill`, the demo and the `daily_simulation` schedule use, so runs launched anywhere show here.
    """
    import os

    from ecom_pipeline.paths import dagster_home

    home = dagster_home(_settings().home)
    dagster = _tool("dagster")
    click.echo(f"DAGSTER_HOME={home}", err=True)
    _start_docs_server()
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    os.execve(dagster, [dagster, "dev", "-m", "ecom_pipeline.definitions", *dagster_args], env)


@main.command()
@_option("start", "First day, YYYY-MM-DD (default: the epoch).")
@_option("end", "Last day, YYYY-MM-DD (default: the start).")
@click.option(
    "--url",
    default=None,
    help="The Dagster webserver (default http://127.0.0.1:3000, as `ecom ui` serves it). [env: ECOM_DAGSTER_URL]",
)
@click.option("--wait/--no-wait", default=True, show_default=True, help="Follow the backfill until it ends.")
@_fail_cleanly
def backfill(start: str | None, end: str | None, url: str | None, wait: bool) -> None:
    """Backfill START..END through the running Dagster instance, as the UI's "Materialize all…" does.

    Every asset, the days as one range: the daemon lands them in date order as one run, builds the marts and
    exports gold. Prints a progress line until it ends; exits 1 if it failed.
    """
    import os

    from ecom_pipeline import backfill as bf

    settings = _settings(start=start, end=end)
    first = settings.start or settings.epoch
    last = settings.end or first
    if last < first:
        raise SettingsError(f"--end={last} is before start {first}")
    server = bf.Webserver(url or os.environ.get("ECOM_DAGSTER_URL") or bf.DEFAULT_URL)
    try:
        backfill_id = bf.launch(server, first, last)
        click.echo(f"launched backfill {backfill_id} ({first}...{last}): {server.url}/runs/b/{backfill_id}", err=True)
        if not wait:
            return
        final = bf.wait(server, backfill_id, lambda progress: click.echo(progress.line(backfill_id), err=True))
    except bf.BackfillError as exc:
        raise UsageFailure(str(exc)) from None
    if not bf.succeeded(final):
        raise GateFailure(f"backfill {backfill_id} ended {final.status.lower()}: see {server.url}/runs/b/{backfill_id}")


def _start_docs_server() -> None:
    """The docs server the assets' links point to, as a child process that stops with the UI."""
    from ecom_pipeline.docs_server import start_docs_server

    start_docs_server(_settings().docs_url)


@main.command()
@click.option("--host", default=None, help="Address to listen on (default: the host of ECOM_DOCS_URL).")
@click.option("--port", default=None, type=int, help="Port to listen on (default: the port of ECOM_DOCS_URL).")
@_fail_cleanly
def docs(host: str | None, port: int | None) -> None:
    """Serve the dbt docs and the Data Docs at ECOM_DOCS_URL (default http://127.0.0.1:3001), until Ctrl-C."""
    from ecom_pipeline.docs_server import main as serve

    args = ["--base-url", _settings().docs_url]
    args += [*(["--host", host] if host else []), *(["--port", str(port)] if port is not None else [])]
    sys.exit(serve(args))


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("dbt_args", nargs=-1, type=click.UNPROCESSED)
@_fail_cleanly
def dbt(dbt_args: tuple[str, ...]) -> None:
    """Run dbt on the project's dbt_project against the configured warehouse (the embedded one included).

    The window of days comes from ECOM_DBT_START_DATE / ECOM_DBT_END_DATE (default: everything).
    """
    import os
    import subprocess

    from ecom_pipeline.storage.postgres import database_url
    from ecom_pipeline.transform import (
        DBT_PROJECT_DIR,
        DbtNotInstalledError,
        building,
        dbt_environment,
        dbt_executable,
    )

    try:
        executable = dbt_executable()
    except DbtNotInstalledError as exc:
        raise UsageFailure(str(exc)) from None
    url = database_url(_settings().home)
    args = list(dbt_args)
    if args and args[0] in _DBT_READS_RAW and not _help_only(args):
        from ecom_pipeline.transform import warehouse_is_loaded

        if not warehouse_is_loaded(url):
            raise UsageFailure(
                "the warehouse has no data yet (nothing published to raw): load days first, "
                "e.g. `python3 dev.py load` or `python3 dev.py demo`"
            )
    for flag, value in (("--project-dir", DBT_PROJECT_DIR), ("--profiles-dir", DBT_PROJECT_DIR)):
        if flag not in args and args and not args[0].startswith("-"):
            args += [flag, str(value)]
    env = dbt_environment(url)
    if args and args[0] in _DBT_READS_RAW and not _help_only(args):
        with building(url):  # a load does not publish while dbt reads raw, nor dbt read a day half published
            sys.exit(subprocess.call([executable, *args], env=env))
    os.execve(executable, [executable, *args], env)


# dbt commands that read the raw tables: on an empty warehouse they would fail model after model.
_DBT_READS_RAW = frozenset({"build", "run", "test", "snapshot", "show", "source"})


def _help_only(args: list[str]) -> bool:
    return "-h" in args or "--help" in args


@main.group()
def lake() -> None:
    """The medallion lake: where it is, and table definitions for other engines."""


@lake.command("where")
@_fail_cleanly
def lake_where() -> None:
    """Print the URL of each layer."""
    from ecom_pipeline.storage.lake import resolve_lake

    for layer, url in resolve_lake(_settings().home).describe().items():
        click.echo(f"{layer}\t{url}")


@lake.command("athena-ddl")
@click.option("--layer", default="silver", type=click.Choice(["bronze", "silver"]), show_default=True)
@click.option("--database", default="ecom", show_default=True, help="Glue database name.")
@_fail_cleanly
def lake_athena_ddl(layer: str, database: str) -> None:
    """Print CREATE EXTERNAL TABLE statements (Athena, Glue, Spark SQL) for a layer of the lake."""
    from ecom_pipeline.storage.athena import athena_ddl_all
    from ecom_pipeline.storage.lake import resolve_lake

    settings = _settings()
    url = resolve_lake(settings.home).layer(layer).url
    click.echo(athena_ddl_all(url, database, settings.epoch.isoformat()))


@main.group()
def db() -> None:
    """The warehouse: its URL, a psql shell, migrations."""


@db.command("url")
@_fail_cleanly
def db_url() -> None:
    """Print the warehouse URL (starting the embedded PostgreSQL if no ECOM_DATABASE_URL is set)."""
    from ecom_pipeline.storage.postgres import database_url

    click.echo(database_url(_settings().home))


@db.command("shell", context_settings={"ignore_unknown_options": True})
@click.argument("psql_args", nargs=-1, type=click.UNPROCESSED)
@_fail_cleanly
def db_shell(psql_args: tuple[str, ...]) -> None:
    """Open psql on the warehouse (extra arguments go to psql)."""
    import os

    from ecom_pipeline.storage.postgres import database_url, psql_executable, split_password

    url, password = split_password(database_url(_settings().home))
    psql = psql_executable()
    env = {**os.environ, "PGPASSWORD": password} if password else dict(os.environ)
    os.execve(psql, [psql, url, *psql_args], env)  # the password in the environment, never on the command line


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
@_fail_cleanly
def db_upgrade(revision: str) -> None:
    """Apply the schema migrations up to REVISION."""
    from ecom_pipeline.storage.migrate import current, upgrade
    from ecom_pipeline.storage.postgres import database_url

    url = database_url(_settings().home)
    upgrade(url, revision)
    click.echo(f"warehouse schema at revision {current(url)}")


@db.command("scaffold")
@click.option("-m", "--message", required=True, help="What the revision does, e.g. 'orders: gift_note'.")
@_fail_cleanly
def db_scaffold(message: str) -> None:
    """Write the next migration revision: the DDL from the warehouse (at head) to the data contract."""
    from ecom_pipeline.storage.postgres import database_url
    from ecom_pipeline.storage.scaffold import scaffold

    path = scaffold(database_url(_settings().home), message)
    click.echo(f"wrote {path}" if path else "the warehouse at head matches the contract: nothing to scaffold")


@db.command("downgrade")
@click.option("--revision", required=True, help="Target revision, e.g. base.")
@_fail_cleanly
def db_downgrade(revision: str) -> None:
    """Revert the schema migrations down to REVISION (base drops the warehouse schema)."""
    from ecom_pipeline.storage.migrate import current, downgrade
    from ecom_pipeline.storage.postgres import database_url

    url = database_url(_settings().home)
    downgrade(url, revision)
    click.echo(f"warehouse schema at revision {current(url) or 'base'}")


@main.command()
@click.option("--out", default=None, help="Write the JSON Schema to this file instead of standard output.")
def contract(out: str | None) -> None:
    """Print the data contract as JSON Schema."""
    from ecom_pipeline.contract import json_schema

    text = json.dumps(json_schema(), indent=2)
    if out:
        Path(out).write_text(text + "\n")
    else:
        click.echo(text)


def _days(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]


def _progress(console: Any, verb: str) -> Any:
    """A per-day progress bar on a terminal (nothing when output is piped or in CI)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn(f"[bold]{verb}[/] {{task.description}}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    )


@contextmanager
def _write_errors(out: str) -> Iterator[None]:
    """A full disk or a file size limit while writing: one line (publish_day has already undone the day)."""
    try:
        yield
    except OSError as exc:
        raise UsageFailure(f"cannot write to {out}: {exc.strerror or exc}") from None


def _run_generate(settings: Settings, start: dt.date, end: dt.date, out: str) -> None:
    """Generate into a folder (each day's files renamed into place together) or an S3 prefix (one PUT per file),
    through the same object-store code as the lake; an output holding another dataset is refused."""
    from rich.console import Console

    from ecom_pipeline.generation import Chunk, parse_anomalies
    from ecom_pipeline.generation.dataset import dataset_metadata, generate_days
    from ecom_pipeline.storage.objectstore import LocalStore, S3Settings, open_store
    from ecom_pipeline.storage.parquet import check_writable, claim_output, publish_day, publish_day_to_store

    config = settings.generator_config()
    chunk = Chunk(settings.chunk, settings.chunks)
    anomalies = parse_anomalies(settings.anomalies)
    meta = dataset_metadata(config, chunk, anomalies=str(anomalies))
    if out.startswith("s3://"):
        store = open_store(out, S3Settings.from_environment())
        store.check()
    else:
        store = LocalStore(Path(out))
        try:
            check_writable(Path(out))
        except OSError as exc:
            raise SettingsError(f"--out={out}: not writable ({exc.strerror or exc})") from None
    claim_output(store, meta, replace=settings.replace_dataset)
    console = Console(stderr=True)
    days = _days(start, end)
    totals: dict[str, list[float]] = {}
    began = time.perf_counter()
    with _progress(console, "generating") as progress, _write_errors(out):
        task = progress.add_task(start.isoformat(), total=len(days))
        for day, frames in generate_days(config, days, chunk, anomalies=anomalies):
            progress.update(task, description=day.isoformat())
            written = (
                publish_day_to_store(store, day, chunk.index, frames, meta)
                if out.startswith("s3://")
                else publish_day(Path(out), day, chunk.index, frames, meta)
            )
            for f in written:
                acc = totals.setdefault(f.table, [0, 0, 0])
                acc[0] += f.rows
                acc[1] += 1
                acc[2] += f.bytes
            progress.advance(task)
    _print_summary(console, totals, store.url, start, end, time.perf_counter() - began, settings, chunk)


def _run_load(settings: Settings, start: dt.date, end: dt.date) -> None:
    from rich.console import Console

    from ecom_pipeline.landing import land

    console = Console(stderr=True)
    days = _days(start, end)
    began = time.perf_counter()
    with _progress(console, "landing") as progress:
        task = progress.add_task(start.isoformat(), total=len(days))
        result = land(settings, days, on_day=lambda d: progress.update(task, advance=1, description=d.isoformat()))
    _print_load_summary(result, start, end, time.perf_counter() - began)


def _run_demo(settings: Settings) -> None:
    from ecom_pipeline import demo
    from ecom_pipeline.paths import dagster_home, dev_command
    from ecom_pipeline.settings import env_name
    from ecom_pipeline.storage.postgres import database_url
    from ecom_pipeline.storage.warehouse import read_query

    first, last = settings.epoch, settings.epoch + dt.timedelta(days=demo.DAYS - 1)
    home = settings.home.resolve()
    dataset = {env_name("home"): str(home)}
    for name in ("seed", "scale", "epoch", "pii", "anomalies"):
        dataset[env_name(name)] = str(getattr(settings, name))
    environ = demo.child_environment(demo.base_environment(), dagster_home(home), dataset)
    log = demo.log_path(home)
    click.echo(
        f"demo: {first} .. {last} (seed {settings.seed}, scale {settings.scale}) through every asset in one Dagster "
        f"run; Dagster's log: {log}",
        err=True,
    )

    def step_done(step: str, seconds: float) -> None:
        click.echo(f"  {step:<24}{seconds:7.1f} s", err=True)

    try:
        run = demo.run(environ, first, last, log, on_step=step_done)
    except demo.DemoError as exc:
        raise GateFailure(str(exc)) from None
    url = database_url(home)
    revenue = read_query(url, "marts", "agg_daily_revenue")
    orders = int(revenue["orders"].sum()) if revenue.height else 0
    query = (
        "select order_date, orders, gross_revenue, net_revenue, reporting_currency "
        "from marts.agg_daily_revenue order by order_date"
    )
    docs = settings.docs_url.rstrip("/")
    lines = [
        f"done in {run.seconds:.1f} s: {orders:,} orders over {revenue.height} days in the marts, every gate passed, "
        f"gold in {settings.home / 'lake' / 'gold'}",
        "",
        f"  the run in the UI:   {dev_command('ui')}   then open http://127.0.0.1:3000/runs/{run.run_id}",
        f"  revenue per day:     {dev_command('db', 'shell', '-c', query)}",
        f"  dbt docs:            {docs}/dbt/#!/model/model.ecom.agg_daily_revenue   (served by {dev_command('ui')})",
        f"  Data Docs:           {docs}/data_docs/index.html",
    ]
    click.echo("\n".join(lines))


def _print_load_summary(result: Any, start: dt.date, end: dt.date, seconds: float) -> None:
    from rich.console import Console, JustifyMethod
    from rich.table import Table

    from ecom_pipeline.paths import dev_command
    from ecom_pipeline.storage.postgres import redact

    s = result.settings
    table = Table(title=f"ecom load  {start} .. {end}  seed={s.seed} scale={s.scale} pii={s.pii}")
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("table", "left"),
        ("target", "left"),
        ("rows", "right"),
        ("MB", "right"),
        ("s", "right"),
    )
    for name, justify in columns:
        table.add_column(name, justify=justify)
    totals: dict[tuple[str, str], list[float]] = {}
    for r in result.results:
        acc = totals.setdefault((r.table, r.target), [0, 0, 0.0])
        acc[0] += r.rows
        acc[1] += r.bytes
        acc[2] += r.seconds
    for (name, target), (rows, size, secs) in sorted(totals.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        table.add_row(name, target, f"{int(rows):,}", f"{size / 1e6:.2f}", f"{secs:.2f}")
    out = Console(soft_wrap=True)
    out.print(table)
    out.print(f"landed {len(result.results)} partitions in {seconds:.2f} s")
    for checkpoint in dict.fromkeys(v.result.checkpoint for v in result.verdicts):
        runs = [v.result for v in result.verdicts if v.result.checkpoint == checkpoint]
        passed = sum(v.success for v in runs)
        docs = runs[-1].data_docs_url
        out.print(f"quality gate {checkpoint}: {passed} of {len(runs)} days passed; Data Docs: {docs}")
    if "lake" in s.targets:
        for layer, url in result.lake.describe().items():
            if layer != "gold":
                out.print(f"lake {layer}: {url}")
    if result.warehouse is not None:
        out.print(f"warehouse: {redact(result.warehouse.url)}")
        query = "select currency, count(*) as orders, sum(total) as revenue from raw.orders group by 1 order by 1"
        out.print(f"query it:  {dev_command('db', 'shell', '-c', query)}")


def _print_summary(
    console: Any,
    totals: dict[str, list[float]],
    out: str,
    start: dt.date,
    end: dt.date,
    seconds: float,
    settings: Settings,
    chunk: Any,
) -> None:
    from rich.table import Table

    from ecom_pipeline.paths import dev_command

    table = Table(
        title=f"ecom generate  {start} .. {end}  seed={settings.seed} scale={settings.scale}"
        + (f"  chunk {chunk.index}/{chunk.count}" if chunk.count > 1 else "")
    )
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("files", justify="right")
    table.add_column("MB", justify="right")
    rows = files = size = 0.0
    for name, (r, f, b) in totals.items():
        table.add_row(name, f"{int(r):,}", str(int(f)), f"{b / 1e6:.2f}")
        rows, files, size = rows + r, files + f, size + b
    table.add_row("[bold]total", f"[bold]{int(rows):,}", f"[bold]{int(files)}", f"[bold]{size / 1e6:.2f}")
    out_console = type(console)(soft_wrap=True)
    out_console.print(table)
    out_console.print(f"wrote {int(rows):,} rows in {seconds:.2f} s to {out}")
    source = f"{out.rstrip('/')}/orders/**/*.parquet"
    if out.startswith("file://"):
        from urllib.request import url2pathname

        source = f"{url2pathname(out.removeprefix('file://'))}/orders/**/*.parquet"
    code = f"import polars as pl; print(pl.scan_parquet({source!r}, hive_partitioning=True).collect())"
    out_console.print(f"read it: {dev_command('run', 'python', '-c', code)}")


def run() -> None:
    """The `ecom` command: the CLI in a process of its own, which exits right after it."""
    from ecom_pipeline.process import freeze_at_exit

    freeze_at_exit()
    main()


if __name__ == "__main__":  # pragma: no cover
    run()
