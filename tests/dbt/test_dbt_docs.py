"""The dbt docs site is regenerated when the dbt project changed, and only then (never on every run)."""

from __future__ import annotations

import logging
import shutil
import stat
from pathlib import Path

import pytest

from ecom_pipeline.transform import DBT_PROJECT_DIR, DOCS_FILES, docs_current, project_digest, publish_docs
from tests.dbt.conftest import MartsWarehouse


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the dbt project's sources."""
    copy = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, copy, ignore=shutil.ignore_patterns("target", "logs", "dbt_packages"))
    return copy


def _site(tmp_path: Path, project: Path) -> Path:
    generated = tmp_path / "generated"
    generated.mkdir()
    for name in DOCS_FILES:
        (generated / name).write_text(f"<{name}>")
    site = project / "target"
    publish_docs(generated, project_digest(project), site)
    return site


def test_the_site_is_current_until_a_project_file_changes(tmp_path: Path, project: Path) -> None:
    site = _site(tmp_path, project)
    assert docs_current(site, project)
    assert all((site / name).read_text() == f"<{name}>" for name in DOCS_FILES)

    model = project / "models" / "marts" / "core" / "fct_orders.sql"
    model.write_text(model.read_text() + "\n-- a comment is a change of the project\n")
    assert not docs_current(site, project)


def test_runs_and_their_output_do_not_make_the_site_stale(tmp_path: Path, project: Path) -> None:
    site = _site(tmp_path, project)
    (site / "run_results.json").write_text("{}")
    (site / "ecom_dbt-1234567-abcdef0").mkdir()
    (site / "ecom_dbt-1234567-abcdef0" / "manifest.json").write_text("{}")
    (project / "logs").mkdir()
    (project / "logs" / "dbt.log").write_text("a run")
    assert docs_current(site, project)


def test_a_missing_file_of_the_site_makes_it_stale(tmp_path: Path, project: Path) -> None:
    site = _site(tmp_path, project)
    (site / "catalog.json").unlink()
    assert not docs_current(site, project)


@pytest.mark.slow
def test_a_run_generates_the_docs_once_then_leaves_them(marts_warehouse: MartsWarehouse, tmp_path: Path) -> None:
    """`refresh_docs` as the dbt asset calls it after each build, with a recording wrapper around the real dbt."""
    from ecom_pipeline.defs.dbt import EcomDbtCliResource, refresh_docs
    from ecom_pipeline.defs.dbt_project import dbt_project
    from ecom_pipeline.transform import dbt_environment, dbt_executable

    record = tmp_path / "invocations"
    wrapper = tmp_path / "dbt"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> "{record}"\nexec "{dbt_executable()}" "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IEXEC)
    dbt = EcomDbtCliResource(project_dir=dbt_project, profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=str(wrapper))
    env = dbt_environment(marts_warehouse.url)
    site = tmp_path / "site"
    log = logging.getLogger("test")

    assert refresh_docs(dbt, env, log, site=site)
    assert record.read_text().split() == ["docs", "generate"]
    assert docs_current(site)
    assert "fct_orders" in (site / "catalog.json").read_text()  # the catalog read the built marts
    assert "model.ecom.fct_orders" in (site / "manifest.json").read_text()
    assert not [p for p in site.iterdir() if p.name.startswith(".docs-")]  # dbt's own output is gone

    assert not refresh_docs(dbt, env, log, site=site)
    assert record.read_text().split() == ["docs", "generate"]  # not run again
