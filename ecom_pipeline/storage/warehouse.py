"""The PostgreSQL warehouse: write, audit, publish, one day partition at a time.

`stage` COPYs a day into `raw_stage` (no constraints, so an audit can see what is wrong); the audit (the staged
quality checkpoint, run by the caller) records its verdict with `record_check`; `publish` swaps the staged day
into `raw` in one transaction and marks the ledger `raw._ecom_partitions`, and refuses a day whose staged
version has not passed its check. `load` does all three. A range of consecutive days goes the same way in bulk:
`stage_days` (one COPY per table for the range, one transaction), `record_checks` (a verdict per day, one
transaction), `publish_days` (the days swapped in one transaction), and `unstage_days` to take back staged days
that will not be published (the ledger rows they had before, restored). Publishing a day twice leaves one copy;
a failure anywhere leaves the published day exactly as it was, and the ledger says so: `status` describes what
`raw` holds (`published_rows`, `published_sha256`), `staged_at` the version waiting in `raw_stage` (`rows`,
`sha256`).
The warehouse holds one dataset, as a contiguous range of days from the epoch: the loader checks both.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import polars as pl
from psycopg import sql

from ecom_pipeline.contract import CONTRACTS, TABLES, Kind
from ecom_pipeline.errors import WarehouseError
from ecom_pipeline.storage.digest import rows_digest
from ecom_pipeline.storage.postgres import DatabaseUnavailableError, connect, redact

RAW = "raw"
STAGE = "raw_stage"
LEDGER = sql.Identifier(RAW, "_ecom_partitions")
CHECKS = sql.Identifier(RAW, "_ecom_checks")
STAGED_CHECKPOINT = "staged"
CHECKPOINTS = ("staged", "marts")
FACTS = frozenset(name for name, table in CONTRACTS.items() if table.kind is Kind.FACT)  # range-partitioned by day
# The advisory lock that orders writers of the warehouse (staging, checks, publishing: exclusive, per transaction)
# and dbt's builds (shared, for the build: ecom_pipeline.transform.building).
WAREHOUSE_LOCK = "ecom_pipeline.warehouse"
# The schemas dbt builds from raw (dbt_project.yml's +schema; a test keeps them equal).
DERIVED_SCHEMAS = ("staging", "intermediate", "marts")
COPY_BLOCK = 1 << 20


@dataclass(frozen=True)
class CheckRecord:
    """The latest run of a warehouse checkpoint on a day, as `raw._ecom_checks` keeps it."""

    checkpoint: str
    day: dt.date
    success: bool
    checked_at: dt.datetime
    run_name: str
    failures: list[dict[str, Any]]
    statistics: dict[str, Any]
    data_docs_url: str | None


@dataclass(frozen=True)
class TableLoad:
    table: str
    day: dt.date
    rows: int
    bytes: int
    seconds: float


@dataclass(frozen=True)
class StagedDays:
    """What `stage_days` wrote: a load per table and day, in day then contract order, and the ledger rows those
    days had before (JSON, as `unstage_days` takes them back)."""

    loads: list[TableLoad]
    previous: str


@dataclass(frozen=True)
class CheckVerdict:
    """A checkpoint's verdict on one day, as `record_checks` keeps it."""

    day: dt.date
    success: bool
    run_name: str
    failures: list[dict[str, Any]]
    statistics: Mapping[str, Any]
    data_docs_url: str | None = None
    staged_version: dt.datetime | None = None


def identity_hash(identity: Mapping[str, str]) -> str:
    import hashlib

    return hashlib.sha256(json.dumps(dict(identity), sort_keys=True).encode()).hexdigest()[:16]


def _columns(table: str) -> list[str]:
    return [c.name for c in CONTRACTS[table].columns]


def _csv(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=False, null_value="")
    return buffer.getvalue()


class Warehouse:
    def __init__(self, url: str) -> None:
        self.url = url

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        import psycopg

        try:
            with connect(self.url) as conn, conn.transaction():
                yield conn
        except psycopg.OperationalError as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise DatabaseUnavailableError(
                f"lost the connection to PostgreSQL at {redact(self.url)}: {reason}"
            ) from exc

    def migrate(self) -> None:
        from ecom_pipeline.storage.migrate import upgrade

        upgrade(self.url)

    # --- ledger -------------------------------------------------------------------------------------

    def ledger(self) -> pl.DataFrame:
        with connect(self.url) as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT table_name, day, identity_hash, rows, sha256, status, published_at, check_status"
                    " FROM {} ORDER BY day, table_name"
                ).format(LEDGER)
            ).fetchall()
        schema = {
            "table_name": pl.String,
            "day": pl.Date,
            "identity_hash": pl.String,
            "rows": pl.Int64,
            "sha256": pl.String,
            "status": pl.String,
            "published_at": pl.Datetime("us", "UTC"),
            "check_status": pl.String,
        }
        return pl.DataFrame(rows, schema=schema, orient="row")  # type: ignore[arg-type]  # polars dtypes as values

    def _check_identity(self, conn: Any, identity: Mapping[str, str]) -> None:
        wanted = identity_hash(identity)
        other = conn.execute(
            sql.SQL("SELECT day, identity FROM {} WHERE identity_hash <> %s ORDER BY day LIMIT 1").format(LEDGER),
            (wanted,),
        ).fetchone()
        if other:
            theirs = other[1]
            raise WarehouseError(
                f"the warehouse holds another dataset (seed {theirs.get('seed')}, scale {theirs.get('scale')}, "
                f"epoch {theirs.get('epoch')}, from {other[0]}); loading seed {identity.get('seed')}, "
                f"scale {identity.get('scale')}, epoch {identity.get('epoch')} would mix them: "
                "use --replace-dataset to clear it first, or another database"
            )

    def _days(self, conn: Any, published: bool) -> set[dt.date]:
        condition = "published_at IS NOT NULL" if published else "TRUE"
        rows = conn.execute(
            sql.SQL("SELECT day FROM {} WHERE " + condition + " GROUP BY day HAVING count(*) = %s").format(LEDGER),
            (len(TABLES),),
        ).fetchall()
        return {r[0] for r in rows}

    def published_days(self) -> list[dt.date]:
        """Days whose every table is published, in order (none when the warehouse was never migrated)."""
        with connect(self.url) as conn:
            row = conn.execute("SELECT to_regclass('raw._ecom_partitions')").fetchone()
            if row is None or row[0] is None:
                return []
            return sorted(self._days(conn, published=True))

    def first_unpublished_day(self, epoch: dt.date) -> dt.date:
        """The first day from the epoch that is not published: where the next load must start."""
        published = set(self.published_days())
        day = epoch
        while day in published:
            day += dt.timedelta(days=1)
        return day

    def _check_contiguous(self, conn: Any, epoch: dt.date, day: dt.date, *, published: bool) -> None:
        if day < epoch:
            raise WarehouseError(f"day {day} is before the epoch {epoch}")
        present = self._days(conn, published)
        d = epoch
        while d < day:
            if d not in present:
                state = "published" if published else "staged or published"
                raise WarehouseError(
                    f"cannot load {day}: the warehouse holds a contiguous range from the epoch {epoch}, "
                    f"and {d} is not {state} yet"
                )
            d += dt.timedelta(days=1)

    def check_identity(self, identity: Mapping[str, str]) -> None:
        """Refuse, before anything is written, a dataset other than the one the warehouse holds."""
        with connect(self.url) as conn:
            self._check_identity(conn, identity)

    def replace_dataset(self) -> None:
        """Empty every raw and staging table, the ledger and the checks' verdicts, and drop what dbt derived from
        them (its schemas), in one transaction: nothing of the previous dataset stays to be exported."""
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('ecom_pipeline.warehouse'))")
            tables = [sql.Identifier(RAW, t) for t in TABLES] + [sql.Identifier(STAGE, t) for t in TABLES]
            conn.execute(sql.SQL("TRUNCATE {}, {}, {}").format(sql.SQL(", ").join(tables), LEDGER, CHECKS))
            for schema in DERIVED_SCHEMAS:
                conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))

    # --- write, audit, publish ----------------------------------------------------------------------

    def stage(
        self, day: dt.date, frames: Mapping[str, pl.DataFrame], identity: Mapping[str, str], epoch: dt.date
    ) -> list[TableLoad]:
        """COPY a day into `raw_stage` and mark it staged; `raw` is untouched."""
        return self.stage_days({day: frames}, identity, epoch).loads

    def stage_days(
        self,
        frames: Mapping[dt.date, Mapping[str, pl.DataFrame]],
        identity: Mapping[str, str],
        epoch: dt.date,
    ) -> StagedDays:
        """COPY consecutive days into `raw_stage` and mark them staged, in one transaction: one COPY per table for
        all the days, one statement for their ledger rows. `raw` is untouched.

        The days' staged versions share one `staged_at` (the transaction's). The first day must follow the days
        already staged or published (a contiguous range from the epoch), and the days must be consecutive.
        """
        days = sorted(frames)
        if not days:
            return StagedDays([], "[]")
        if days != [days[0] + dt.timedelta(days=i) for i in range(len(days))]:
            raise ValueError(f"stage_days needs consecutive days, got {', '.join(map(str, days))}")
        loads: list[TableLoad] = []
        ledger_rows: list[tuple[str, dt.date, int, str]] = []
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('ecom_pipeline.warehouse'))")
            self._check_identity(conn, identity)
            self._check_contiguous(conn, epoch, days[0], published=False)
            previous = conn.execute(
                sql.SQL("SELECT coalesce(jsonb_agg(to_jsonb(l)), '[]')::text FROM {} AS l WHERE day = ANY(%s)").format(
                    LEDGER
                ),
                (days,),
            ).fetchone()[0]
            for table in TABLES:
                start = time.perf_counter()
                columns = _columns(table)
                target = sql.Identifier(STAGE, table)
                conn.execute(sql.SQL("DELETE FROM {} WHERE _partition_date = ANY(%s)").format(target), (days,))
                copy = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
                    target, sql.SQL(", ").join(sql.Identifier(c) for c in [*columns, "_partition_date"])
                )
                sizes = {}
                with conn.cursor().copy(copy) as cp:
                    for day in days:
                        frame = frames[day][table]
                        data = _csv(frame.select(columns).with_columns(pl.lit(day).alias("_partition_date")))
                        for start_byte in range(0, len(data), COPY_BLOCK):
                            cp.write(data[start_byte : start_byte + COPY_BLOCK])
                        sizes[day] = len(data)
                        ledger_rows.append((table, day, frame.height, rows_digest(table, frame)))
                seconds = time.perf_counter() - start
                total = sum(sizes.values())
                for day in days:
                    share = seconds * sizes[day] / total if total else seconds / len(days)
                    loads.append(TableLoad(table, day, frames[day][table].height, sizes[day], share))
            names, ledger_days, counts, digests = (list(c) for c in zip(*ledger_rows, strict=True))
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (table_name, day, identity, identity_hash, rows, sha256, status, loaded_at,"
                    " staged_at) SELECT t, d, %s, %s, r, h, 'staged', now(), now()"
                    " FROM unnest(%s::text[], %s::date[], %s::bigint[], %s::text[]) AS u(t, d, r, h)"
                    " ON CONFLICT (table_name, day) DO UPDATE SET identity = EXCLUDED.identity,"
                    " identity_hash = EXCLUDED.identity_hash, rows = EXCLUDED.rows, sha256 = EXCLUDED.sha256,"
                    " loaded_at = now(), staged_at = now(),"  # status keeps saying what raw holds
                    " check_status = NULL, checked_at = NULL, check_failures = NULL"
                ).format(LEDGER),
                (json.dumps(dict(identity)), identity_hash(identity), names, ledger_days, counts, digests),
            )
            # Fresh statistics for the audit's joins: a table just filled by COPY still looks empty to the planner
            # (autovacuum analyzes it later), which turns the staged checks' joins into nested loops.
            conn.execute(sql.SQL("ANALYZE {}").format(sql.SQL(", ").join(sql.Identifier(STAGE, t) for t in TABLES)))
        loads.sort(key=lambda load: (load.day, TABLES.index(load.table)))
        return StagedDays(loads, previous)

    def unstage_days(self, days: list[dt.date], previous: str) -> None:
        """Take staged days back, in one transaction: their rows leave `raw_stage`, and their ledger rows are
        what they were before `stage_days` (its `previous`), except that a version that was waiting in
        `raw_stage` then is gone too (it was replaced): such a day is no longer staged (a row that was never
        published goes; a published one keeps describing what `raw` holds)."""
        if not days:
            return
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('ecom_pipeline.warehouse'))")
            for table in TABLES:
                conn.execute(
                    sql.SQL("DELETE FROM {} WHERE _partition_date = ANY(%s)").format(sql.Identifier(STAGE, table)),
                    (days,),
                )
            conn.execute(sql.SQL("DELETE FROM {} WHERE day = ANY(%s)").format(LEDGER), (days,))
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} SELECT * FROM jsonb_populate_recordset(NULL::{}, %s::jsonb) AS r"
                    " WHERE r.day = ANY(%s)"
                ).format(LEDGER, LEDGER),
                (previous, days),
            )
            conn.execute(
                sql.SQL("DELETE FROM {} WHERE day = ANY(%s) AND staged_at IS NOT NULL AND published_at IS NULL").format(
                    LEDGER
                ),
                (days,),
            )
            conn.execute(
                sql.SQL(
                    "UPDATE {} SET staged_at = NULL, rows = published_rows, sha256 = published_sha256"
                    " WHERE day = ANY(%s) AND staged_at IS NOT NULL"
                ).format(LEDGER),
                (days,),
            )

    def analyze(self, schema: str, tables: list[str]) -> None:
        """Refresh the planner's statistics of tables just rebuilt (dbt's marts), before a gate queries them."""
        with self.transaction() as conn:
            existing = [t for t in tables if conn.execute("SELECT to_regclass(%s)", (f"{schema}.{t}",)).fetchone()[0]]
            if existing:
                conn.execute(
                    sql.SQL("ANALYZE {}").format(sql.SQL(", ").join(sql.Identifier(schema, t) for t in existing))
                )

    def _staged(self, day: dt.date) -> tuple[int, dt.datetime | None]:
        """How many tables of the day are staged, and when the latest of them was."""
        with connect(self.url) as conn:
            row = conn.execute(
                sql.SQL("SELECT count(*), max(staged_at) FROM {} WHERE day = %s AND staged_at IS NOT NULL").format(
                    LEDGER
                ),
                (day,),
            ).fetchone()
        return (0, None) if row is None else (int(row[0]), row[1])

    # --- audit verdicts -----------------------------------------------------------------------------

    def staged_version(self, day: dt.date) -> dt.datetime:
        """When the day's staged version was written: the token a check passes back to `record_check`."""
        count, version = self._staged(day)
        if count != len(TABLES) or version is None:
            raise WarehouseError(f"cannot check {day}: it is not staged (stage it first)")
        return version

    def staged_versions(self, days: list[dt.date]) -> dict[dt.date, dt.datetime]:
        """`staged_version` of each day, in one query; refuses, naming the first, a day that is not staged."""
        with connect(self.url) as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT day, count(*), max(staged_at) FROM {} WHERE day = ANY(%s) AND staged_at IS NOT NULL"
                    " GROUP BY day"
                ).format(LEDGER),
                (list(days),),
            ).fetchall()
        found = {day: (count, version) for day, count, version in rows}
        for day in sorted(days):
            if found.get(day, (0, None))[0] != len(TABLES):
                raise WarehouseError(f"cannot check {day}: it is not staged (stage it first)")
        return {day: found[day][1] for day in days}

    def record_check(
        self,
        checkpoint: str,
        day: dt.date,
        *,
        success: bool,
        run_name: str,
        failures: list[dict[str, Any]] | None = None,
        statistics: Mapping[str, Any] | None = None,
        data_docs_url: str | None = None,
        staged_version: dt.datetime | None = None,
    ) -> None:
        """Keep a checkpoint's verdict on a day; a `staged` verdict also goes into the ledger of the staged day.

        A staged verdict applies to the staged version the check read (`staged_version`, from `staged_version()`
        before the check ran): if the day was staged again in between, the verdict is refused, not misapplied.
        """
        verdict = CheckVerdict(
            day, success, run_name, list(failures or []), dict(statistics or {}), data_docs_url, staged_version
        )
        self.record_checks(checkpoint, [verdict])

    def record_checks(self, checkpoint: str, verdicts: list[CheckVerdict]) -> None:
        """Keep a checkpoint's verdicts on several days, in one transaction (each as `record_check` would)."""
        if checkpoint not in CHECKPOINTS:
            raise ValueError(f"checkpoint {checkpoint!r} is not one of {', '.join(CHECKPOINTS)}")
        if checkpoint == STAGED_CHECKPOINT and any(v.staged_version is None for v in verdicts):
            raise ValueError("a staged verdict needs the staged_version it was computed on")
        if not verdicts:
            return
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('ecom_pipeline.warehouse'))")
            if checkpoint == STAGED_CHECKPOINT:
                updated = conn.execute(
                    sql.SQL(
                        "UPDATE {} AS l SET check_status = v.status, checked_at = now(), check_failures = v.failures"
                        " FROM unnest(%s::date[], %s::text[], %s::jsonb[], %s::timestamptz[])"
                        " AS v(day, status, failures, version)"
                        " WHERE l.day = v.day AND l.staged_at <= v.version RETURNING l.day"
                    ).format(LEDGER),
                    (
                        [v.day for v in verdicts],
                        ["passed" if v.success else "failed" for v in verdicts],
                        [json.dumps(v.failures) for v in verdicts],
                        [v.staged_version for v in verdicts],
                    ),
                ).fetchall()
                per_day: dict[dt.date, int] = {}
                for (day,) in updated:
                    per_day[day] = per_day.get(day, 0) + 1
                for v in verdicts:
                    if per_day.get(v.day, 0) != len(TABLES):
                        raise WarehouseError(
                            f"cannot record the staged check of {v.day}: the day was staged again while it was checked"
                        )
            conn.execute(
                sql.SQL(
                    "INSERT INTO {} (checkpoint, day, success, checked_at, run_name, failures, statistics,"
                    " data_docs_url) SELECT %s, day, success, now(), run_name, failures, statistics, url"
                    " FROM unnest(%s::date[], %s::boolean[], %s::text[], %s::jsonb[], %s::jsonb[], %s::text[])"
                    " AS v(day, success, run_name, failures, statistics, url)"
                    " ON CONFLICT (checkpoint, day) DO UPDATE SET success = EXCLUDED.success,"
                    " checked_at = EXCLUDED.checked_at, run_name = EXCLUDED.run_name, failures = EXCLUDED.failures,"
                    " statistics = EXCLUDED.statistics, data_docs_url = EXCLUDED.data_docs_url"
                ).format(CHECKS),
                (
                    checkpoint,
                    [v.day for v in verdicts],
                    [v.success for v in verdicts],
                    [v.run_name for v in verdicts],
                    [json.dumps(v.failures) for v in verdicts],
                    [json.dumps(dict(v.statistics)) for v in verdicts],
                    [v.data_docs_url for v in verdicts],
                ),
            )

    def latest_check(self, checkpoint: str, day: dt.date) -> CheckRecord | None:
        """The latest recorded run of a checkpoint on a day, or None when it never ran."""
        with connect(self.url) as conn:
            row = conn.execute(
                sql.SQL(
                    "SELECT checkpoint, day, success, checked_at, run_name, failures, statistics, data_docs_url"
                    " FROM {} WHERE checkpoint = %s AND day = %s"
                ).format(CHECKS),
                (checkpoint, day),
            ).fetchone()
        return CheckRecord(*row) if row else None

    def preflight(self, day: dt.date, identity: Mapping[str, str], epoch: dt.date, *, publishing: bool) -> None:
        """The checks stage and publish make, before anything else (the lake) is written for the day."""
        with connect(self.url) as conn:
            self._check_identity(conn, identity)
            self._check_contiguous(conn, epoch, day, published=publishing)

    def publish(self, day: dt.date, epoch: dt.date) -> list[TableLoad]:
        """Swap the staged day into `raw` in one transaction (constraints checked at commit)."""
        return self.publish_days([day], epoch)

    def publish_days(self, days: list[dt.date], epoch: dt.date) -> list[TableLoad]:
        """Swap consecutive staged days into `raw` in one transaction (constraints checked at commit): all of
        them or, refusing the first day that is not staged or has not passed its staged check, none."""
        days = sorted(days)
        if not days:
            return []
        if days != [days[0] + dt.timedelta(days=i) for i in range(len(days))]:
            raise ValueError(f"publish_days needs consecutive days, got {', '.join(map(str, days))}")
        staged = self._staged_rows(days)
        for day in days:
            if len(staged.get(day, [])) != len(TABLES):
                raise WarehouseError(f"cannot publish {day}: it is not staged (stage it first)")
        self.create_partitions(days)
        loads = []
        with self.transaction() as conn:
            conn.execute("SELECT pg_advisory_xact_lock(hashtext('ecom_pipeline.warehouse'))")
            staged = self._staged_rows(days, conn)
            for day in days:
                rows = staged.get(day, [])
                if len(rows) != len(TABLES):
                    raise WarehouseError(f"cannot publish {day}: it is not staged (stage it first)")
                _require_passed(day, [(status, failures) for _, _, status, failures in rows])
            self._check_contiguous(conn, epoch, days[0], published=True)
            conn.execute("SET CONSTRAINTS ALL DEFERRED")
            expected = {(table, day): count for day, rows in staged.items() for table, count, _, _ in rows}
            for table in TABLES:
                start = time.perf_counter()
                columns = sql.SQL(", ").join(sql.Identifier(c) for c in [*_columns(table), "_partition_date"])
                raw, stage = sql.Identifier(RAW, table), sql.Identifier(STAGE, table)
                conn.execute(sql.SQL("DELETE FROM {} WHERE _partition_date = ANY(%s)").format(raw), (days,))
                moved = dict(
                    conn.execute(
                        sql.SQL(
                            "WITH moved AS (INSERT INTO {raw} ({cols}, _loaded_at)"
                            " SELECT {cols}, now() FROM {stage} WHERE _partition_date = ANY(%s)"
                            " RETURNING _partition_date)"
                            " SELECT _partition_date, count(*) FROM moved GROUP BY _partition_date"
                        ).format(raw=raw, cols=columns, stage=stage),
                        (days,),
                    ).fetchall()
                )
                for day in days:
                    if moved.get(day, 0) != expected[(table, day)]:
                        raise WarehouseError(
                            f"cannot publish {day}: raw_stage.{table} holds {moved.get(day, 0)} rows,"
                            f" the ledger {expected[(table, day)]}"
                        )
                conn.execute(sql.SQL("DELETE FROM {} WHERE _partition_date = ANY(%s)").format(stage), (days,))
                seconds = time.perf_counter() - start
                total = sum(moved.values())
                for day in days:
                    share = seconds * moved.get(day, 0) / total if total else seconds / len(days)
                    loads.append(TableLoad(table, day, moved.get(day, 0), 0, share))
            conn.execute(
                sql.SQL(
                    "UPDATE {} SET status = 'published', published_at = now(), published_rows = rows,"
                    " published_sha256 = sha256, staged_at = NULL WHERE day = ANY(%s)"
                ).format(LEDGER),
                (days,),
            )
        loads.sort(key=lambda load: (load.day, TABLES.index(load.table)))
        return loads

    def create_partitions(self, days: list[dt.date]) -> None:
        """Create the days' partitions of the fact tables in `raw` where missing, in a short transaction of its own
        (creating a partition locks its parent, so never in the swap's). `publish_days` does it first; a loader
        may do it ahead, while it checks the days (an empty partition holds nothing until its day is published)."""
        with self.transaction() as conn:
            conn.execute(
                "SELECT raw.ensure_day_partition(t, d) FROM unnest(%s::text[]) AS t, unnest(%s::date[]) AS d",
                (sorted(FACTS), list(days)),
            )

    def _staged_rows(self, days: list[dt.date], conn: Any = None) -> dict[dt.date, list[tuple[Any, ...]]]:
        """The staged ledger rows of the days: (table, rows, check_status, check_failures) per day."""
        query = sql.SQL(
            "SELECT day, table_name, rows, check_status, check_failures FROM {}"
            " WHERE day = ANY(%s) AND staged_at IS NOT NULL ORDER BY day, table_name"
        ).format(LEDGER)
        if conn is None:
            with connect(self.url) as own:
                rows = own.execute(query, (days,)).fetchall()
        else:
            rows = conn.execute(query, (days,)).fetchall()
        out: dict[dt.date, list[tuple[Any, ...]]] = {}
        for day, *rest in rows:
            out.setdefault(day, []).append(tuple(rest))
        return out

    def load(
        self,
        day: dt.date,
        frames: Mapping[str, pl.DataFrame],
        identity: Mapping[str, str],
        epoch: dt.date,
        *,
        audit: Callable[[dt.date], object],
    ) -> list[TableLoad]:
        """Write, audit, publish: stage the day, run `audit(day)` (which records its verdict), then publish.

        `publish` refuses the day unless the audit recorded a passed staged check.
        """
        staged = self.stage(day, frames, identity, epoch)
        audit(day)
        published = {p.table: p for p in self.publish(day, epoch)}
        return [TableLoad(s.table, day, s.rows, s.bytes, s.seconds + published[s.table].seconds) for s in staged]

    # --- reading back -------------------------------------------------------------------------------

    def read_day(self, table: str, day: dt.date, schema: str = RAW) -> pl.DataFrame:
        """A day of a table as a contract-typed frame (for checks and round trips)."""
        contract = CONTRACTS[table]
        exprs: list[sql.Composable] = []
        for c in contract.columns:
            ident = sql.Identifier(c.name)
            if isinstance(c.dtype, pl.Datetime):
                exprs.append(
                    sql.SQL("to_char({} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') AS {}").format(ident, ident)
                )
            else:
                exprs.append(ident)
        query = sql.SQL(
            "COPY (SELECT {} FROM {} WHERE _partition_date = {}) TO STDOUT WITH (FORMAT csv, HEADER)"
        ).format(sql.SQL(", ").join(exprs), sql.Identifier(schema, table), sql.Literal(day))
        buffer = io.BytesIO()
        with connect(self.url) as conn, conn.cursor().copy(query) as cp:
            for block in cp:
                buffer.write(block)
        raw = (
            pl.read_csv(io.BytesIO(buffer.getvalue()), infer_schema=False)
            if buffer.getvalue()
            else pl.DataFrame(schema={c.name: pl.String for c in contract.columns})
        )
        out = []
        for c in contract.columns:
            col = pl.col(c.name)
            if isinstance(c.dtype, pl.Datetime):
                out.append(col.str.to_datetime("%Y-%m-%dT%H:%M:%S%.f", time_unit="us").dt.replace_time_zone("UTC"))
            elif c.dtype == pl.Date:
                out.append(col.str.to_date("%Y-%m-%d"))
            elif c.dtype == pl.Boolean:
                out.append(col.replace_strict({"t": True, "f": False}, default=None, return_dtype=pl.Boolean))
            else:
                out.append(col.cast(c.dtype))
        return raw.select(out)


def describe_failures(failures: list[dict[str, Any]], *, limit: int) -> str:
    """Failed rules as one line: `rule (N rows)` each, the first `limit` of them, then how many more."""
    rules = ", ".join(
        f"{f.get('rule')} ({f['unexpected_count']} rows)"
        if f.get("unexpected_count") is not None
        else str(f.get("rule"))
        for f in failures[:limit]
    )
    return rules + (f" and {len(failures) - limit} more" if len(failures) > limit else "")


def _require_passed(day: dt.date, verdicts: list[tuple[str | None, Any]]) -> None:
    """Refuse to publish a day whose staged version has not passed its staged check, naming why."""
    if all(status == "passed" for status, _ in verdicts):
        return
    if any(status == "failed" for status, _ in verdicts):
        failures = next(f for status, f in verdicts if status == "failed") or []
        rules = describe_failures(failures, limit=5)
        raise WarehouseError(
            f"cannot publish {day}: its latest staged check failed ({rules or 'see raw._ecom_checks'}); "
            "fix the data and stage the day again"
        )
    raise WarehouseError(
        f"cannot publish {day}: its staged version has not passed the staged quality check yet "
        "(`ecom load --stage-only` stages and checks it)"
    )


def read_query(
    url: str, schema: str, table: str, *, where_column: str | None = None, day: dt.date | None = None
) -> pl.DataFrame:
    """A whole table (or the rows of one day) of any schema, with PostgreSQL's types mapped to polars.

    Used to export dbt's marts, whose columns are not in the data contract.
    """
    import psycopg

    query = sql.SQL("SELECT * FROM {}").format(sql.Identifier(schema, table))
    params: tuple = ()
    if where_column is not None:
        query = sql.SQL("{} WHERE {} = %s").format(query, sql.Identifier(where_column))
        params = (day,)
    with connect(url) as conn, conn.cursor(row_factory=psycopg.rows.tuple_row) as cur:
        cur.execute(query, params)
        names = [d.name for d in cur.description or ()]
        records = cur.fetchall()
    columns: list[Sequence[Any]] = list(zip(*records, strict=True)) if records else [[] for _ in names]
    frame = pl.DataFrame({n: pl.Series(n, list(v), strict=False) for n, v in zip(names, columns, strict=True)})
    return frame.with_columns(
        [
            pl.col(n).dt.convert_time_zone("UTC")
            for n, t in frame.schema.items()
            if isinstance(t, pl.Datetime) and t.time_zone
        ]
    )
