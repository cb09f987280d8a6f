"""`.env.example` documents every variable the code reads: a new setting cannot be forgotten there."""

from __future__ import annotations

import re
from pathlib import Path

from ecom_pipeline.settings import Settings, env_name
from tests.deploy.test_compose import variables_the_code_reads

ROOT = Path(__file__).resolve().parents[1]
# A config variable the gates hand to GX (its runtime environment), never read from the user's environment.
WRITTEN_ONLY = {"ECOM_GX_DATABASE_URL"}
# libpq's own variables, which dbt's profile reads and `ecom dbt` sets from the warehouse URL.
LIBPQ = {"PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE"}


def _read_by_the_code() -> set[str]:
    names = set(variables_the_code_reads()) | {env_name(field) for field in Settings.model_fields}
    for path in (ROOT / "ecom_pipeline").rglob("*.py"):  # the standard AWS chain, read by the object stores
        names |= set(re.findall(r'"(AWS_[A-Z0-9_]+)"', path.read_text()))
    for path in (ROOT / "dbt_project").rglob("*"):  # dbt's env_var() in models, macros and profiles
        if path.suffix in (".sql", ".yml") and "target" not in path.parts:
            text = path.read_text()
            names |= set(re.findall(r"env_var\(\s*['\"]([A-Z0-9_]+)['\"]", text))
            names |= set(re.findall(r"['\"](ECOM_[A-Z0-9_]+)['\"]", text))  # names passed to env_var in a loop
    return names - WRITTEN_ONLY - LIBPQ


def _documented() -> set[str]:
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.MULTILINE))


def test_env_example_lists_every_variable_the_code_reads() -> None:
    missing = sorted(_read_by_the_code() - _documented())
    assert not missing, f".env.example does not document {missing}"


def test_env_example_lists_no_ecom_variable_the_code_does_not_read() -> None:
    stale = sorted({n for n in _documented() if n.startswith("ECOM_")} - _read_by_the_code() - {"ECOM_IMAGE_TAG"})
    assert not stale, f".env.example documents {stale}, which nothing reads"
