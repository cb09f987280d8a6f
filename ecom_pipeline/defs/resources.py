"""Resources: the same ECOM_* settings as the CLI, chosen per environment by ECOM_ENV (local, docker, prod).

`local` runs on the embedded defaults (a local lake, the embedded PostgreSQL). `docker` and `prod` require
the lake and the database to be named: a missing or empty variable fails the run before any step writes
anything, with a message naming the variable.
"""

from __future__ import annotations

import os
from typing import Any

import dagster as dg

from ecom_pipeline.settings import Settings, load_settings

ENVIRONMENTS = ("local", "docker", "prod")
# Locations handed to the landing layer; AWS_* pass through from the process environment.
_LOCATIONS = ("ECOM_DATABASE_URL", "ECOM_LAKE_URL", "ECOM_LAKE_BRONZE", "ECOM_LAKE_SILVER", "ECOM_LAKE_GOLD")


# Resource fields read from ECOM_* variables when neither the definitions nor the run config set them.
_DATASET = ("seed", "scale", "epoch", "pii", "anomalies", "weekday_profile", "scenario", "home")


class EcomResource(dg.ConfigurableResource):
    """What to generate and where to land it.

    Every field left unset (None) is read from its `ECOM_*` variable when a step runs, like the CLI does, so
    run config can set one field (e.g. `anomalies`) without resetting the others to defaults.
    """

    seed: int | None = None
    scale: str | None = None
    epoch: str | None = None
    pii: str | None = None
    anomalies: str | None = None
    weekday_profile: str | None = None  # user (default) or published
    scenario: str | None = None  # black_friday_load_test, or none
    home: str | None = None
    database_url: str | None = None
    lake_url: str | None = None
    lake_bronze: str | None = None
    lake_silver: str | None = None
    lake_gold: str | None = None

    def settings(self, **overrides: Any) -> Settings:
        environ = _dataset_environment()
        flags = {field: getattr(self, field) for field in _DATASET if getattr(self, field) not in (None, "")}
        settings = load_settings({**flags, **overrides}, environ=environ)
        return settings.model_copy(update={"home": settings.home.resolve()})

    def environ(self) -> dict[str, str]:
        """AWS_*, ECOM_ENV and the locations (empty ones too: a deployment refuses them, naming them)."""
        env = {k: v for k, v in os.environ.items() if k.startswith("AWS_")}
        env.update({name: os.environ[name] for name in (*_LOCATIONS, "ECOM_ENV") if name in os.environ})
        values = (self.database_url, self.lake_url, self.lake_bronze, self.lake_silver, self.lake_gold)
        env.update({name: value for name, value in zip(_LOCATIONS, values, strict=True) if value is not None})
        return env

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        """Fail the run before any step when the deployment's required locations are unset or empty."""
        from ecom_pipeline.storage.locations import REQUIRED, require_location

        env = self.environ()
        for name in REQUIRED:
            require_location(env, name)

    def plan(self, *, targets: str = "lake,warehouse") -> Any:
        from ecom_pipeline.landing import plan

        return plan(self.settings(to=targets), self.environ())


def _dataset_environment() -> dict[str, str]:
    """The dataset's ECOM_* variables that are set (the CLI's names; the deployment scan reads them here)."""
    values = {
        "ECOM_SEED": os.environ.get("ECOM_SEED"),
        "ECOM_SCALE": os.environ.get("ECOM_SCALE"),
        "ECOM_EPOCH": os.environ.get("ECOM_EPOCH"),
        "ECOM_PII": os.environ.get("ECOM_PII"),
        "ECOM_ANOMALIES": os.environ.get("ECOM_ANOMALIES"),
        "ECOM_WEEKDAY_PROFILE": os.environ.get("ECOM_WEEKDAY_PROFILE"),
        "ECOM_SCENARIO": os.environ.get("ECOM_SCENARIO"),
        "ECOM_HOME": os.environ.get("ECOM_HOME"),
    }
    return {name: value for name, value in values.items() if value}


def environment() -> str:
    env = os.environ.get("ECOM_ENV", "local")
    if env not in ENVIRONMENTS:
        raise ValueError(f"ECOM_ENV={env!r} is not one of {', '.join(ENVIRONMENTS)}")
    return env


def _local() -> EcomResource:
    """Embedded defaults, overridable by the same variables as the CLI (read when a step runs)."""
    return EcomResource()


def _deployed() -> EcomResource:
    """docker and prod: the dataset from the environment, the lake and the database required."""
    return EcomResource(database_url=dg.EnvVar("ECOM_DATABASE_URL"), lake_url=dg.EnvVar("ECOM_LAKE_URL"))


def resources_for(env: str) -> dict[str, Any]:
    """The resource set of an environment: identical keys everywhere, so the assets never branch on it."""
    ecom = _local() if env == "local" else _deployed()
    return {"ecom": ecom}
