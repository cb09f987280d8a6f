"""Running the project's own definitions in process, as `dagster asset materialize` would, checks included."""

from __future__ import annotations

import dagster as dg


def run_assets(
    *,
    partition_key: str | None = None,
    tags: dict[str, str] | None = None,
    selection: dg.AssetSelection | None = None,
    raise_on_error: bool = True,
) -> dg.ExecuteInProcessResult:
    """One run of the selected assets (default: all) and their asset checks, on the definitions' resources."""
    from ecom_pipeline.definitions import build_definitions

    defs = build_definitions()
    job = defs.resolve_implicit_global_asset_job_def()
    keys = None if selection is None else list(selection.resolve(defs.resolve_asset_graph()))
    return job.execute_in_process(
        partition_key=partition_key, tags=tags, asset_selection=keys, raise_on_error=raise_on_error
    )
