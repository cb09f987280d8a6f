"""Every command the README prints works as printed.

Each `python3 dev.py …` line of the README's shell blocks is parsed by the command it names (the `ecom` CLI, or
Dagster's for `dev.py run dagster …`), so a renamed command or option fails here. The commands that land, query
and build run for real, in the README's order, in a folder of their own against a fresh database; the rest are run
by the tests named in `RUN_ELSEWHERE`.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

# Commands run end to end by another test (or by CI itself), by the first words after `python3 dev.py`.
RUN_ELSEWHERE = {
    ("demo",): "tests/test_demo.py",
    ("test",): ".ci/run runs the README's test command",
    ("lint",): ".ci/run",
    ("ui",): "tests/ui/test_dagster_ui.py",
    ("backfill",): "tests/ui/test_dagster_ui.py (needs the running UI)",
    ("run", "dagster", "asset", "materialize"): "tests/defs/test_materialize.py and .ci/run",
    ("realism", "--scale"): "tests/realism/test_scorecard.py (medium and large windows)",
    ("run", "python", "-m", "ecom_pipeline.contract_copies"): "tests/contract/test_copies.py (writes the checkout)",
    ("run", "python", "-m", "ecom_pipeline.quality"): "tests/quality/test_bronze_gate.py (writes the checkout)",
    ("run", "ecom", "db", "scaffold"): "tests/storage/test_scaffold.py (writes a migration into the checkout)",
}


def readme_commands() -> list[tuple[dict[str, str], list[str]]]:
    """(environment assignments, arguments after `python3 dev.py`) of each command line in the README's shell
    blocks, continuation lines joined, comments and output redirections dropped."""
    commands = []
    for block in re.findall(r"```bash\n(.*?)```", README.read_text(), flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            env = {}
            while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=.*", words[0]):
                name, value = words.pop(0).split("=", 1)
                env[name] = value
            if words[:2] != ["python3", "dev.py"]:
                continue
            args = words[2:]
            if ">" in args:
                args = args[: args.index(">")]
            commands.append((env, args))
    return commands


def _elsewhere(args: list[str]) -> str | None:
    return next((why for prefix, why in RUN_ELSEWHERE.items() if tuple(args[: len(prefix)]) == prefix), None)


def _parse(group: click.Command, args: list[str]) -> None:
    """Resolve `args` down to the command they name and parse its options, as click would before running it."""
    ctx = group.make_context(group.name or "cli", list(args), resilient_parsing=False)
    while isinstance(ctx.command, click.Group) and (ctx._protected_args or ctx.args):
        name, command, rest = ctx.command.resolve_command(ctx, [*ctx._protected_args, *ctx.args])
        assert command is not None, f"no command {name!r} in {args}"
        ctx = command.make_context(name or "", rest, parent=ctx, resilient_parsing=False)


def test_the_readme_prints_its_commands() -> None:
    names = {tuple(args[:1]) for _, args in readme_commands()}
    assert {("demo",), ("test",), ("generate",), ("load",), ("dbt",), ("run",), ("backfill",)} <= names


@pytest.mark.parametrize(("env", "args"), readme_commands(), ids=lambda v: shlex.join(v) if isinstance(v, list) else "")
def test_each_readme_command_names_a_command_and_options_that_exist(env: dict[str, str], args: list[str]) -> None:
    from ecom_pipeline.cli import main

    if args[:1] in (["test"], ["lint"]):
        return  # dev.py's own: pytest's arguments and ruff
    if args[:2] == ["run", "dagster"]:
        from dagster._cli import cli as dagster_cli

        _parse(dagster_cli, args[2:])
        return
    if args[:2] == ["run", "ecom"]:
        _parse(main, args[2:])
        return
    if args[:3] == ["run", "python", "-m"]:
        import importlib.util

        assert importlib.util.find_spec(args[3]) is not None, f"README: no module {args[3]}"
        return
    if args[:1] == ["run"]:
        pytest.fail(f"README: `python3 dev.py {shlex.join(args)}` runs a command this test does not know")
    try:
        _parse(main, args)
    except click.exceptions.Exit as done:  # --help
        assert done.exit_code == 0
    except click.UsageError as exc:
        pytest.fail(f"README: `python3 dev.py {shlex.join(args)}`: {exc.format_message()}")


@pytest.mark.slow
def test_the_readme_commands_run_as_printed_in_order(tmp_path: Path, fresh_db: str, s3_env: str) -> None:
    """From generating data to the dbt docs, each command exits 0 with the README's arguments, in the README's order
    (the load of January, then February's first day staged and published, then dbt over what was landed)."""
    import boto3

    from ecom_pipeline.paths import dagster_home

    boto3.client("s3", endpoint_url=s3_env).create_bucket(Bucket="my-bucket")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ECOM_", "DAGSTER_", "PG"))}
    env.update(ECOM_HOME=str(tmp_path / "home"), ECOM_DATABASE_URL=fresh_db)
    env["DAGSTER_HOME"] = str(dagster_home(tmp_path / "home", env))  # as `dev.py run` sets it
    ran = []
    for extra, args in readme_commands():
        if _elsewhere(args) or args[:1] == ["--help"]:
            continue
        if args[:2] == ["run", "dagster"]:
            command = [str(Path(sys.executable).with_name("dagster")), *args[2:]]
        elif args[:2] == ["run", "ecom"]:
            command = [sys.executable, "-m", "ecom_pipeline.cli", *args[2:]]
        else:
            command = [sys.executable, "-m", "ecom_pipeline.cli", *args]
        started = time.perf_counter()
        proc = subprocess.run(
            command, cwd=tmp_path, env={**env, **extra}, capture_output=True, text=True, timeout=600, check=False
        )
        assert proc.returncode == 0, f"`python3 dev.py {shlex.join(args)}` exited {proc.returncode}:\n" + (
            proc.stdout[-2000:] + proc.stderr[-3000:]
        )
        ran.append(args)
        print(f"{time.perf_counter() - started:6.1f} s  python3 dev.py {shlex.join(args)}")
    assert ["load", "--start", "2026-01-01", "--end", "2026-01-31", "--scale", "small", "--seed", "42"] in ran
    assert any(args[:2] == ["dbt", "build"] for args in ran)
