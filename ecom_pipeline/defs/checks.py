"""The quality gates as blocking asset checks.

`bronze` (on every bronze table) and `staged` (on every raw_stage table) run inside the landing step, day by day
(`defs/assets.py`); this module holds the `marts` gate, one multi-asset check on the marts the gold export
publishes (severity ERROR, blocking): a failure stops the gold export in the run, and the ledger of checks stops a
later one. The `staged` verdict is also recorded in the ledger, so a later run cannot publish a refused day.

A check evaluates every day of its run (one partition, or each day of a single-run range) and records one
evaluation per asset and day, with the failed rules of that asset's table, how many rows broke each, sample
values and a link to the Data Docs page.
"""

import datetime as dt
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import dagster as dg

from ecom_pipeline.defs.gold import DAILY, SNAPSHOTS
from ecom_pipeline.defs.partitions import days_of
from ecom_pipeline.defs.resources import EcomResource

GOLD_MARTS = (*DAILY, *SNAPSHOTS)  # the marts gate guards what the gold export publishes
# Markdown rows of a failure table in the check's description; the JSON metadata holds them all.
MAX_LISTED = 10


def check_metadata(result: Any, table: str) -> dict[str, dg.MetadataValue]:
    """What a check evaluation shows for one table: its failed rules with counts and samples, the Docs link."""
    failures = result.failures_of(table)
    rows = [
        f"| `{f.rule}` | {f.unexpected_count if f.unexpected_count is not None else '-'} | "
        f"`{str(f.sample[:3])[:160]}` |"
        for f in failures[:MAX_LISTED]
    ]
    summary = (
        "\n".join(["| rule | rows | sample |", "|---|---:|---|", *rows])
        if rows
        else f"Every `{result.checkpoint}` rule of `{table}` passed."
    )
    metadata: dict[str, dg.MetadataValue] = {
        "checkpoint": dg.MetadataValue.text(result.checkpoint),
        "partition": dg.MetadataValue.text(str(result.statistics.get("partition", ""))),
        "failed_rules": dg.MetadataValue.json(
            [
                {"rule": f.rule, "unexpected_count": f.unexpected_count, "sample": f.sample, "type": f.expectation_type}
                for f in failures
            ]
        ),
        "unexpected_rows": dg.MetadataValue.int(sum(f.unexpected_count or 0 for f in failures)),
        "checkpoint_failed_rules": dg.MetadataValue.int(len(result.failures)),
        "evaluated_expectations": dg.MetadataValue.int(int(result.statistics.get("evaluated_expectations", 0))),
        "summary": dg.MetadataValue.md(summary),
        # The checkpoint's own time for the day (Great Expectations' one-time import excluded).
        "gate_seconds": dg.MetadataValue.float(float(result.statistics.get("seconds", {}).get("total", 0.0))),
    }
    if result.data_docs_url:
        metadata["data_docs"] = dg.MetadataValue.url(result.data_docs_url)
    if result.published_docs_url:
        metadata["data_docs_gold"] = dg.MetadataValue.url(result.published_docs_url)
    return metadata


def _specs(name: str, keys: list[dg.AssetKey], partitions: dg.PartitionsDefinition, what: str) -> list[Any]:
    with warnings.catch_warnings():  # a partitioned check spec is a preview feature in Dagster 1.13
        warnings.simplefilter("ignore", category=dg.PreviewWarning)
        return [
            dg.AssetCheckSpec(
                name,
                asset=key,
                blocking=True,
                partitions_def=partitions,
                description=f"Great Expectations `{name}` checkpoint: {what}",
            )
            for key in keys
        ]


def evaluation(check_key: dg.AssetCheckKey, result: Any, day: dt.date, tables: set[str]) -> dg.AssetCheckEvaluation:
    """A gate's verdict on one day for one asset's check: the failed rules of that asset's table.

    A failure that belongs to none of the gate's `tables` (the day missing from the ledger, say) fails them all.
    """
    table = check_key.asset_key.path[-1]
    unattributed = [f for f in result.failures if f.table not in tables]
    return dg.AssetCheckEvaluation(
        asset_key=check_key.asset_key,
        check_name=check_key.name,
        passed=not result.failures_of(table) and not unattributed,
        severity=dg.AssetCheckSeverity.ERROR,
        blocking=True,
        partition=day.isoformat(),
        metadata=check_metadata(result, table),
        description=f"{result.checkpoint} {day}: "
        + ("passed" if result.success else f"{len(result.failures)} rule(s) failed"),
    )


def _evaluate(
    context: dg.AssetCheckExecutionContext,
    specs: list[dg.AssetCheckSpec],
    gate: Callable[[dt.date], Any],
) -> Iterator[Any]:
    """Run the gate on each day of the run; one evaluation per selected check and day, blocking on failure."""
    op = context.op_execution_context
    selected = [s for s in specs if s.key in set(op.selected_asset_check_keys)]
    for spec in selected:
        yield dg.Output(None, output_name=op.assets_def.get_output_name_for_asset_check_key(spec.key))
    tables = {spec.asset_key.path[-1] for spec in specs}
    for day in days_of(op):
        result = gate(day)
        for spec in selected:
            yield evaluation(spec.key, result, day, tables)


def build_quality_checks(partitions: dg.PartitionsDefinition) -> list[dg.AssetChecksDefinition]:
    """The `marts` gate on the marts of the daily partitions (the landing gates live in the landing step)."""
    marts_specs = _specs(
        "marts",
        [dg.AssetKey(["marts", m]) for m in GOLD_MARTS],
        partitions,
        "revenue reconciles with the facts and the facts with raw, no negative counts.",
    )

    @dg.multi_asset_check(specs=marts_specs, name="marts_checkpoint", can_subset=True)
    def marts_checkpoint(context: dg.AssetCheckExecutionContext, ecom: EcomResource) -> Iterator[Any]:
        from ecom_pipeline.landing import gate_marts

        p = ecom.plan()
        yield from _evaluate(context, marts_specs, lambda day: gate_marts(p, day))

    return [marts_checkpoint]
