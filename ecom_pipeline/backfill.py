"""`ecom backfill`: the range backfill the Dagster UI launches, submitted to the running webserver and followed.

It sends the same `launchPartitionBackfill` mutation as the UI's "Materialize all…" dialog on the asset graph
(every asset, the days as partition names), so the daemon runs it exactly as it runs one launched by hand: the
landing, dbt and gold steps over the range as one run in date order, then the unpartitioned gold snapshots.
Plain HTTP and JSON (no Dagster import): the webserver is the interface.
"""

from __future__ import annotations

import datetime as dt
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ecom_pipeline.errors import BackfillError

DEFAULT_URL = "http://127.0.0.1:3000"
POLL_SECONDS = 2.0
DONE = {"COMPLETED_SUCCESS", "COMPLETED_FAILED", "COMPLETED", "FAILED", "CANCELED"}


@dataclass(frozen=True)
class Progress:
    status: str
    targeted: int  # asset partitions targeted (unpartitioned assets count once)
    materialized: int
    failed: int
    in_progress: int

    def line(self, backfill_id: str) -> str:
        return (
            f"backfill {backfill_id}: {self.status.lower()}, {self.materialized}/{self.targeted} asset partitions "
            f"materialized, {self.in_progress} in progress, {self.failed} failed"
        )


class Webserver:
    """The Dagster webserver's GraphQL endpoint."""

    def __init__(self, url: str = DEFAULT_URL, timeout: float = 30.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout

    def query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = json.load(response)
        except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
            reason = getattr(exc, "reason", exc)
            raise BackfillError(
                f"no Dagster webserver answers at {self.url} ({reason}): start it with `python3 dev.py ui` "
                "(or pass --url)"
            ) from None
        if body.get("errors"):
            raise BackfillError(f"the Dagster webserver at {self.url} refused the request: {body['errors'][0]}")
        return body["data"]


_ASSETS = "{ assetNodes { assetKey { path } isPartitioned isMaterializable } }"
_DAEMON = '{ instance { daemonHealth { daemonStatus(daemonType: "BACKFILL") { healthy required } } } }'
_LAUNCH = """mutation LaunchPartitionBackfill($backfillParams: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $backfillParams) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message }
    ... on UnauthorizedError { message }
    ... on InvalidSubsetError { message }
    ... on PartitionSetNotFoundError { message }
    ... on InvalidStepError { invalidStepKey }
    ... on InvalidOutputError { invalidOutputName }
  }
}"""
_STATUS = """query BackfillStatus($backfillId: String!) {
  partitionBackfillOrError(backfillId: $backfillId) {
    __typename
    ... on PartitionBackfill {
      status
      error { message }
      assetBackfillData {
        assetBackfillStatuses {
          __typename
          ... on AssetPartitionsStatusCounts {
            numPartitionsTargeted numPartitionsInProgress numPartitionsMaterialized numPartitionsFailed
          }
          ... on UnpartitionedAssetStatus { inProgress materialized failed }
        }
      }
    }
    ... on PythonError { message }
    ... on BackfillNotFoundError { message }
  }
}"""


def days_between(start: dt.date, end: dt.date) -> list[str]:
    return [(start + dt.timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def launch(server: Webserver, start: dt.date, end: dt.date, *, title: str | None = None) -> str:
    """Launch a backfill of every asset over start..end, as the UI's "Materialize all…" does; return its id."""
    health = server.query(_DAEMON)["instance"]["daemonHealth"]["daemonStatus"]
    if not health["healthy"]:
        raise BackfillError(
            "the Dagster daemon that runs backfills is not running on this instance: start the UI with "
            "`python3 dev.py ui` (it starts the daemon too)"
        )
    keys = [n["assetKey"] for n in server.query(_ASSETS)["assetNodes"] if n["isMaterializable"]]
    params = {
        "assetSelection": keys,
        "partitionNames": days_between(start, end),
        "fromFailure": False,
        "title": title or f"ecom backfill {start}...{end}",
        "tags": [{"key": "ecom/launched_by", "value": "ecom backfill"}],
    }
    result = server.query(_LAUNCH, {"backfillParams": params})["launchPartitionBackfill"]
    if result["__typename"] != "LaunchBackfillSuccess":
        detail = result.get("message") or result
        raise BackfillError(f"the webserver did not launch the backfill of {start}...{end}: {detail}")
    return result["backfillId"]


def progress(server: Webserver, backfill_id: str) -> Progress:
    node = server.query(_STATUS, {"backfillId": backfill_id})["partitionBackfillOrError"]
    if node["__typename"] != "PartitionBackfill":
        raise BackfillError(f"backfill {backfill_id}: {node.get('message', node['__typename'])}")
    targeted = materialized = failed = in_progress = 0
    for status in (node.get("assetBackfillData") or {}).get("assetBackfillStatuses", []):
        if status["__typename"] == "AssetPartitionsStatusCounts":
            targeted += status["numPartitionsTargeted"]
            materialized += status["numPartitionsMaterialized"]
            failed += status["numPartitionsFailed"]
            in_progress += status["numPartitionsInProgress"]
        else:
            targeted += 1
            materialized += bool(status["materialized"])
            failed += bool(status["failed"])
            in_progress += bool(status["inProgress"])
    return Progress(node["status"], targeted, materialized, failed, in_progress)


def wait(
    server: Webserver,
    backfill_id: str,
    on_progress: Callable[[Progress], None],
    *,
    poll_seconds: float = POLL_SECONDS,
) -> Progress:
    """Poll until the backfill ends; report each change of its progress."""
    last: Progress | None = None
    while True:
        current = progress(server, backfill_id)
        if current != last:
            on_progress(current)
            last = current
        if current.status in DONE:
            return current
        time.sleep(poll_seconds)


def succeeded(final: Progress) -> bool:
    return final.status in ("COMPLETED_SUCCESS", "COMPLETED") and final.failed == 0
