"""One home and one Dagster instance per project, whatever the working folder and whichever command starts it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ecom_pipeline import paths

ROOT = Path(__file__).resolve().parents[1]


def _environ_without_ecom() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("ECOM_", "DAGSTER_"))}


@pytest.mark.parametrize("folder", ["dbt_project", "tests", "ecom_pipeline/generation"])
def test_ecom_finds_the_projects_home_from_any_folder_of_the_checkout(folder: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ecom_pipeline.cli", "lake", "where"],
        cwd=ROOT / folder,
        env=_environ_without_ecom(),
        capture_output=True,
        text=True,
        check=True,
    )
    layers = dict(line.split("\t") for line in proc.stdout.strip().splitlines())
    assert layers["bronze"] == (ROOT / ".ecom" / "lake" / "bronze").as_uri()


def test_an_installed_package_outside_a_checkout_keeps_its_home_in_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paths, "PACKAGE_DIR", tmp_path / "site-packages" / "ecom_pipeline")
    monkeypatch.chdir(tmp_path)
    assert paths.default_home() == tmp_path / ".ecom"


def test_the_dagster_instance_is_under_the_home_with_the_projects_settings(tmp_path: Path) -> None:
    home = paths.dagster_home(tmp_path / "home", environ={})
    assert home == (tmp_path / "home" / "dagster").resolve()
    config = yaml.safe_load((home / "dagster.yaml").read_text())
    assert config["concurrency"]["runs"]["max_concurrent_runs"] == 1  # queued runs start in submission order
    assert config["telemetry"]["enabled"] is False


def test_dagster_home_wins_and_an_existing_instance_config_is_kept(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "dagster.yaml").write_text("telemetry:\n  enabled: true\n")
    assert paths.dagster_home(tmp_path / "home", environ={"DAGSTER_HOME": str(mine)}) == mine.resolve()
    assert (mine / "dagster.yaml").read_text() == "telemetry:\n  enabled: true\n"


def _dev_module() -> object:
    spec = importlib.util.spec_from_file_location("dev", ROOT / "dev.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_dev_py_run_gives_dagster_the_same_instance_as_ecom_ui(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECOM_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    env = _dev_module()._with_dagster_home()
    assert Path(env["DAGSTER_HOME"]) == paths.dagster_home(tmp_path / "home", environ={})
    assert (Path(env["DAGSTER_HOME"]) / "dagster.yaml").read_bytes() == paths.DAGSTER_TEMPLATE.read_bytes()


def test_ecom_ui_starts_dagster_dev_on_the_projects_instance(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from ecom_pipeline import cli

    calls: list[list[str]] = []
    environments: list[dict[str, str]] = []

    def fake_exec(path: str, argv: list[str], env: dict[str, str]) -> None:
        calls.append([path, *argv])
        environments.append(env)
        raise SystemExit(0)

    monkeypatch.setenv("ECOM_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setattr(os, "execve", fake_exec)
    started: list[bool] = []
    monkeypatch.setattr(cli, "_start_docs_server", lambda: started.append(True))
    result = CliRunner().invoke(cli.main, ["ui", "-p", "3999"])
    assert result.exit_code == 0, result.output
    (call,) = calls
    assert call[2:6] == ["dev", "-m", "ecom_pipeline.definitions", "-p"]
    assert Path(call[0]).name == "dagster" and Path(call[0]).parent == Path(sys.executable).parent
    assert environments[0]["DAGSTER_HOME"] == str((tmp_path / "home" / "dagster").resolve())
    assert "DAGSTER_HOME" not in os.environ  # given to dagster dev, not written into this process
    assert started == [True]  # and the docs server the assets' links point to
