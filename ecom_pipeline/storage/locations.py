"""Where the warehouse and the lake are: required, and non-empty, when the deployment says so.

`ECOM_ENV=local` (the default) falls back to the embedded defaults under `ECOM_HOME`; `docker` and `prod` have
no embedded defaults, so an unset or empty `ECOM_DATABASE_URL` or `ECOM_LAKE_URL` is refused, naming it, before
anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping

from ecom_pipeline.errors import MissingLocationError

DEPLOYED = ("docker", "prod")
REQUIRED = ("ECOM_DATABASE_URL", "ECOM_LAKE_URL")


def require_location(env: Mapping[str, str], name: str) -> str | None:
    """The variable's value; None when it is unset or blank outside a deployment (use the embedded default)."""
    value = env.get(name)
    if value is not None and not value.strip():
        value = None
    deployment = env.get("ECOM_ENV") or "local"
    if value is None and deployment in DEPLOYED:
        state = "empty" if name in env else "not set"
        raise MissingLocationError(
            f"{name} is {state}: ECOM_ENV={deployment} requires it (there is no embedded default there)"
        )
    return value
