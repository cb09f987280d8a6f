"""Resources: the same ECOM_* settings as the CLI, chosen per environment by ECOM_ENV (local, docker, prod).

`local` runs on the embedded defaults (a local lake, the embedded PostgreSQL). `docker` and `prod` require
the lake and the database to be named: a missing variable fails the run before any step writes anything,
with Dagster's message naming the variable.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dagster as dg

from ecom_pipeline.settings import Settings, load_settings

ENVIRONMENTS = ("local", "docker", "prod")
# Locations handed to the landing layer; AWS_* pass through from the process environment.
_LOCATIONS = ("ECOM_DATABASE_URL", "ECOM_LAKE_URL", "ECOM_LAKE_BRONZE", "ECOM_LAKE_SILVER", "ECOM_LAKE_GOLD")


class EcomResource(dg.ConfigurableResource):
    """What to generate and where to land it."""

    seed: int = 42
    scale: str = "small"
    epoch: str = "2026-01-01"
    pii: str = "full"
    anomalies: str = ""
    home: str = ".ecom"
    database_url: str | None = None
    lake_url: str | None = None
    lake_bronze: str | None = None
    lake_silver: str | None = None
    lake_gold: str | None = None

    def settings(self, **overrides: Any) -> Settings:
        flags = {
            "seed": self.seed,
            "scale": self.scale,
            "epoch": self.epoch,
            "pii": self.pii,
            "anomalies": self.anomalies,
            "home": self.home,
        }
        return load_settings({**flags, **overrides}, environ={})

    def environ(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
        values = (self.database_url, self.lake_url, self.lake_bronze, self.lake_silver, self.lake_gold)
        env.update({name: value for name, value in zip(_LOCATIONS, values, strict=True) if value})
        return env

    def plan(self, *, targets: str = "lake,warehouse") -> Any:
        from ecom_pipeline.landing import plan

        return plan(self.settings(to=targets), self.environ())


def environment() -> str:
    env = os.environ.get("ECOM_ENV", "local")
    if env not in ENVIRONMENTS:
        raise ValueError(f"ECOM_ENV={env!r} is not one of {', '.join(ENVIRONMENTS)}")
    return env


def _local() -> EcomResource:
    """Embedded defaults, overridable by the same variables as the CLI (read when definitions load)."""
    env = os.environ
    home = str(Path(env.get("ECOM_HOME", ".ecom")).resolve())
    return EcomResource(
        seed=int(env.get("ECOM_SEED", "42")),
        scale=env.get("ECOM_SCALE", "small"),
        epoch=env.get("ECOM_EPOCH", "2026-01-01"),
        pii=env.get("ECOM_PII", "full"),
        anomalies=env.get("ECOM_ANOMALIES", ""),
        home=home,
        database_url=env.get("ECOM_DATABASE_URL"),
        lake_url=env.get("ECOM_LAKE_URL"),
        lake_bronze=env.get("ECOM_LAKE_BRONZE"),
        lake_silver=env.get("ECOM_LAKE_SILVER"),
        lake_gold=env.get("ECOM_LAKE_GOLD"),
    )


def _deployed() -> EcomResource:
    """docker and prod: the dataset from the environment, the lake and the database required."""
    env = os.environ
    return EcomResource(
        seed=int(env.get("ECOM_SEED", "42")),
        scale=env.get("ECOM_SCALE", "small"),
        epoch=env.get("ECOM_EPOCH", "2026-01-01"),
        pii=env.get("ECOM_PII", "full"),
        anomalies=env.get("ECOM_ANOMALIES", ""),
        home=env.get("ECOM_HOME", "/opt/dagster/ecom"),
        database_url=dg.EnvVar("ECOM_DATABASE_URL"),
        lake_url=dg.EnvVar("ECOM_LAKE_URL"),
        lake_bronze=env.get("ECOM_LAKE_BRONZE"),
        lake_silver=env.get("ECOM_LAKE_SILVER"),
        lake_gold=env.get("ECOM_LAKE_GOLD"),
    )


def resources_for(env: str) -> dict[str, Any]:
    """The resource set of an environment: identical keys everywhere, so the assets never branch on it."""
    ecom = _local() if env == "local" else _deployed()
    return {"ecom": ecom}
