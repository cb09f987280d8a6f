"""Errors are typed: each one the project raises on purpose is an `EcomError` with its exit status, the CLI maps
them by type, and the process environment is never written behind the user's back."""

from __future__ import annotations

import ast
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from ecom_pipeline import errors

PACKAGE = Path(__file__).resolve().parents[1] / "ecom_pipeline"


def _sources() -> list[tuple[Path, ast.Module]]:
    return [(path, ast.parse(path.read_text())) for path in sorted(PACKAGE.rglob("*.py"))]


def test_every_error_class_of_the_package_is_an_ecom_error_with_an_exit_status() -> None:
    typed = {name for name, obj in vars(errors).items() if isinstance(obj, type) and issubclass(obj, errors.EcomError)}
    untyped = []
    for path, tree in _sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.ClassDef) or not node.name.endswith(("Error", "Exception")):
                continue
            bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
            if path.name != "errors.py" and not bases & typed:
                untyped.append(f"{path.relative_to(PACKAGE)}: {node.name}({', '.join(sorted(bases))})")
    assert not untyped, "define these in ecom_pipeline/errors.py or derive them from its types: " + "; ".join(untyped)
    for name in typed:
        assert getattr(errors, name).exit_code in (errors.EXIT_USAGE, errors.EXIT_REFUSED), name


def test_the_cli_maps_errors_by_type_not_by_name() -> None:
    cli = (PACKAGE / "cli.py").read_text()
    assert "__name__ in" not in cli and "__name__ ==" not in cli.replace('__name__ == "__main__"', "")


def _writes_environment(node: ast.AST) -> bool:
    def is_environ(n: ast.AST) -> bool:
        return isinstance(n, ast.Attribute) and n.attr == "environ"

    if isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
        targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
        return any(isinstance(t, ast.Subscript) and is_environ(t.value) for t in targets)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        func = node.func
        if is_environ(func.value) and func.attr in {"update", "setdefault", "pop", "clear", "popitem"}:
            return True
        return isinstance(func.value, ast.Name) and func.value.id == "os" and func.attr in {"putenv", "unsetenv"}
    return False


def test_no_code_writes_the_process_environment() -> None:
    writes = [
        f"{path.relative_to(PACKAGE)}:{node.lineno}"
        for path, tree in _sources()
        for node in ast.walk(tree)
        if _writes_environment(node)
    ]
    assert not writes, f"settings go to GX, dbt and Dagster explicitly, not through os.environ: {writes}"


def test_the_environment_check_sees_a_write() -> None:
    tree = ast.parse("import os\nos.environ['X'] = '1'\nos.environ.setdefault('Y', '2')\n")
    assert sum(_writes_environment(node) for node in ast.walk(tree)) == 2


def test_a_failed_migration_is_one_line_and_exit_2(
    fresh_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecom_pipeline.cli import main

    with psycopg.connect(fresh_db, autocommit=True) as conn:  # a table in the way of the first migration
        conn.execute("CREATE SCHEMA raw")
        conn.execute("CREATE TABLE raw.orders (something_else integer)")
    for name in ("ECOM_LAKE_URL", "ECOM_ENV", "ECOM_ANOMALIES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ECOM_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("ECOM_DATABASE_URL", fresh_db)
    result = CliRunner().invoke(main, ["load", "--start", "2026-01-01", "--to", "warehouse"])
    assert result.exit_code == 2, result.output + result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "could not migrate the warehouse" in line and "orders" in line
    assert "Traceback" not in result.output + result.stderr
