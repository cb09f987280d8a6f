"""Under ECOM_ENV=docker or prod the lake and the database are required: empty is refused like unset, before any
step of a run writes anything (no embedded PostgreSQL, no local lake under ECOM_HOME)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.defs.conftest import run_assets


def causes(exc: BaseException | None) -> list[str]:
    out = []
    while exc is not None:
        out.append(str(exc))
        exc = exc.__cause__ or exc.__context__
    return out


@pytest.mark.parametrize("variable", ["ECOM_DATABASE_URL", "ECOM_LAKE_URL"])
@pytest.mark.parametrize("deployment", ["docker", "prod"])
def test_an_empty_required_variable_fails_the_run_naming_it_and_writes_nothing(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variable: str, deployment: str
) -> None:
    monkeypatch.setenv("ECOM_ENV", deployment)
    monkeypatch.setenv("ECOM_LAKE_URL", str(tmp_path / "lake"))
    monkeypatch.setenv(variable, "")

    with pytest.raises(Exception) as error:  # Dagster's resource error, caused by ours
        run_assets(partition_key="2026-01-01")

    assert f"{variable} is empty: ECOM_ENV={deployment} requires it" in " | ".join(causes(error.value))

    home = Path(env["ECOM_HOME"])
    assert not (home / "lake").exists() and not (home / "postgres").exists()
    assert not (tmp_path / "lake").exists()
