"""The contract's copies outside Python: each committed file is what `python -m ecom_pipeline.contract_copies`
writes, and a difference is reported by file and column (the dbt sources, staging models and tests, the fx seed);
the columns the contract marks as carried reach their mart."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from ecom_pipeline import contract_copies
from ecom_pipeline.contract import CONTRACTS, Currency
from ecom_pipeline.contract.sql import sql_type
from ecom_pipeline.contract_copies import COMMAND, ROOT

COPIES = contract_copies.render()
CAST = re.compile(r"^\s*cast\((\w+) as ([\w ]+(?:\(\d+, \d+\))?)\) as (\w+),?\s*$")
MARTS_DIR = ROOT / "dbt_project" / "models" / "marts"


def _columns(entry: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in entry.get("columns", [])}


def _yaml_drift(path: Path, committed: str, written: str) -> list[str]:
    """Per table (or model) and column: what differs between the committed and the written YAML."""
    old, new = yaml.safe_load(committed), yaml.safe_load(written)
    if "sources" in new:
        old_tables = {t["name"]: t for s in old.get("sources", []) for t in s.get("tables", [])}
        new_tables = {t["name"]: t for s in new["sources"] for t in s["tables"]}
    else:
        old_tables = {m["name"]: m for m in old.get("models", [])}
        new_tables = {m["name"]: m for m in new["models"]}
    drift = []
    for name in sorted(old_tables.keys() | new_tables.keys()):
        if name not in old_tables or name not in new_tables:
            drift.append(f"{name}: {'missing' if name not in old_tables else 'not in the contract'}")
            continue
        before, after = old_tables[name], new_tables[name]
        for key in sorted((before.keys() | after.keys()) - {"columns"}):
            if before.get(key) != after.get(key):
                drift.append(f"{name}: {key} differs")
        old_columns, new_columns = _columns(before), _columns(after)
        if list(old_columns) != list(new_columns):
            missing = [c for c in new_columns if c not in old_columns]
            extra = [c for c in old_columns if c not in new_columns]
            drift.append(f"{name}: columns missing {missing}, not in the contract {extra}, or out of order")
        for column in old_columns.keys() & new_columns.keys():
            for key in sorted(old_columns[column].keys() | new_columns[column].keys()):
                if old_columns[column].get(key) != new_columns[column].get(key):
                    drift.append(f"{name}.{column}: {key} differs")
    return drift


def _casts(text: str) -> dict[str, tuple[str, str]]:
    """A staging model's casts: output column -> (source column, type)."""
    return {m[3]: (m[1], m[2]) for line in text.splitlines() if (m := CAST.match(line))}


def _sql_drift(path: Path, committed: str, written: str) -> list[str]:
    old, new = _casts(committed), _casts(written)
    drift = [f"{path.stem}.{c}: missing (written: cast({new[c][0]} as {new[c][1]}))" for c in new if c not in old]
    drift += [f"{path.stem}.{c}: not in the contract" for c in old if c not in new]
    drift += [
        f"{path.stem}.{c}: cast {old[c]} but the contract says {new[c]}" for c in old if c in new and old[c] != new[c]
    ]
    return drift


def _csv_drift(committed: str, written: str) -> list[str]:
    old = dict(line.split(",") for line in committed.strip().splitlines()[1:])
    new = dict(line.split(",") for line in written.strip().splitlines()[1:])
    return [
        f"currency {c}: {old.get(c)} committed, {new.get(c)} from the markets"
        for c in old.keys() | new.keys()
        if old.get(c) != new.get(c)
    ]


@pytest.mark.parametrize("path", list(COPIES), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_committed_copy_is_what_the_contract_writes(path: Path) -> None:
    where = path.relative_to(ROOT)
    assert path.exists(), f"{where} is missing: run {COMMAND}"
    committed, written = path.read_text(), COPIES[path]
    if committed == written:
        return
    if path.suffix == ".yml":
        drift = _yaml_drift(path, committed, written)
    elif path.suffix == ".sql":
        drift = _sql_drift(path, committed, written)
    else:
        drift = _csv_drift(committed, written)
    details = "\n  ".join(drift or ["formatting only"])
    pytest.fail(f"{where} is out of date with the contract (run {COMMAND}):\n  {details}")


def test_a_forgotten_column_is_named_with_its_file() -> None:
    """The drift report of a copy missing a contract column names the table and the column."""
    path = contract_copies.SOURCES
    written = COPIES[path]
    committed = written.replace(
        '          - name: tax\n            description: "Tax on subtotal minus discount at the market\'s rate."\n', ""
    )
    assert committed != written
    assert any("orders" in d and "tax" in d for d in _yaml_drift(path, committed, written))
    sql = contract_copies.STAGING_DIR / "stg_ecom__orders.sql"
    broken = (
        COPIES[sql]
        .replace("cast(tax as numeric(12, 2)) as tax,\n", "")
        .replace("cast(units as integer)", "cast(units as bigint)")
    )
    drift = _sql_drift(sql, broken, COPIES[sql])
    assert any(d.startswith("stg_ecom__orders.tax: missing") for d in drift)
    assert any(d.startswith("stg_ecom__orders.units: cast") for d in drift)


@pytest.mark.parametrize("table", list(CONTRACTS))
def test_each_staging_model_casts_every_contract_column_to_its_warehouse_type(table: str) -> None:
    path = contract_copies.STAGING_DIR / f"stg_ecom__{table}.sql"
    casts = _casts(path.read_text())
    expected = {c.name: (c.name, sql_type(c.dtype)) for c in CONTRACTS[table].columns}
    expected |= {"partition_date": ("_partition_date", "date"), "loaded_at": ("_loaded_at", "timestamptz")}
    for name, cast in expected.items():
        assert casts.get(name) == cast, f"{path.relative_to(ROOT)}: {name} is cast as {casts.get(name)}, not {cast}"
    assert set(casts) == set(expected), (
        f"{path.relative_to(ROOT)}: columns outside the contract {set(casts) - set(expected)}"
    )


def test_the_fx_seed_has_one_rate_per_contract_currency_from_the_markets() -> None:
    from ecom_pipeline.generation import MARKETS

    rows = dict(line.split(",") for line in contract_copies.FX_RATES.read_text().strip().splitlines()[1:])
    assert list(rows) == [c.value for c in Currency]
    for market in MARKETS:
        assert float(rows[market.currency]) == pytest.approx(1 / market.price_level, abs=5e-7), market.country


def _mart_yaml_columns() -> dict[str, set[str]]:
    columns = {}
    for path in MARTS_DIR.rglob("*.yml"):
        for model in yaml.safe_load(path.read_text()).get("models", []):
            columns[model["name"]] = {c["name"] for c in model.get("columns", [])}
    return columns


def _models() -> dict[str, Path]:
    return {p.stem: p for p in (ROOT / "dbt_project" / "models").rglob("*.sql")}


def _cte(sql: str, name: str) -> str | None:
    """The body of CTE `name` (between the parentheses of `name as ( ... )`)."""
    match = re.search(rf"\b{name}\s+as\s*\(", sql, flags=re.I)
    if match is None:
        return None
    depth, start = 1, match.end()
    for i in range(start, len(sql)):
        depth += {"(": 1, ")": -1}.get(sql[i], 0)
        if depth == 0:
            return sql[start:i]
    return None


def _outputs(sql: str, column: str, models: dict[str, Path], depth: int = 0) -> bool:
    """Whether a query's last select outputs `column`: listed (`x.column`, `column`, `... as column`), or under
    `select *` output by the CTE or model (`ref`) it selects from."""
    sql = re.sub(r"--[^\n]*", "", sql)
    statements = list(re.finditer(r"\bselect\b(.*?)\bfrom\s+(\{\{.*?\}\}|\w+)", sql, flags=re.S | re.I))
    if not statements or depth > 10:
        return False
    select, source = statements[-1].group(1), statements[-1].group(2)
    if select.strip() != "*":
        return re.search(rf"(?:\bas\s+|\.|^|,)\s*{column}\s*(?:,|$)", select, flags=re.M | re.I) is not None
    ref = re.search(r"ref\('(\w+)'\)", source)
    if ref:
        return ref[1] in models and _outputs(models[ref[1]].read_text(), column, models, depth + 1)
    body = _cte(sql[: statements[-1].start()], source)
    return body is not None and _outputs(body, column, models, depth + 1)


def _selected(sql: str, column: str) -> bool:
    return _outputs(sql, column, _models())


CARRIED = [
    (t.name, c.name, mart, target) for t in CONTRACTS.values() for c in t.columns for mart, target in c.carried_to()
]


@pytest.mark.parametrize(("table", "column", "mart", "target"), CARRIED, ids=lambda v: str(v))
def test_a_carried_column_reaches_its_mart_in_the_sql_and_the_docs(
    table: str, column: str, mart: str, target: str
) -> None:
    marts = {p.stem: p for p in MARTS_DIR.rglob("*.sql")}
    assert mart in marts, f"{table}.{column} is carried to {mart}, which is not a mart"
    sql = marts[mart].read_text()
    assert _selected(sql, target), f"{marts[mart].relative_to(ROOT)} drops {table}.{column} (as {target})"
    documented = _mart_yaml_columns().get(mart, set())
    assert target in documented, f"the YAML of {mart} does not document {target} ({table}.{column})"


def test_the_carried_check_fails_when_a_model_on_the_way_drops_the_column() -> None:
    sql = (MARTS_DIR / "core" / "fct_orders.sql").read_text()
    assert _selected(sql, "total_local") and _selected(sql, "currency")
    assert not _selected(sql.replace("        orders.total_local,\n", ""), "total_local")
    assert not _selected(sql, "no_such_column")
    # fct_orders selects `orders.currency` from int_orders_in_reporting_currency: no `select *` to follow there,
    # but a mart reading `select *` from an intermediate model is followed into it.
    passthrough = "with orders as (select * from {{ ref('int_orders_in_reporting_currency') }})\nselect * from orders"
    assert _selected(passthrough, "total_local") and not _selected(passthrough, "no_such_column")


def test_the_staged_gate_resolves_exactly_the_contracts_foreign_keys() -> None:
    """The staged SQL rules are hand-written queries (each with its own join across days), verified here against
    the contract: a foreign key added to or dropped from a column must add or drop its `<table>.<column>_resolves`
    rule, and no rule may check a key the contract does not declare."""
    from ecom_pipeline.contract import CONTRACTS
    from ecom_pipeline.quality.sql_suites import STAGED_RULES

    declared = {f"{t}.{c.name}_resolves" for t, table in CONTRACTS.items() for c in table.columns if c.foreign_key}
    checked = {rule.name for rule in STAGED_RULES if rule.name.endswith("_resolves")}
    assert not declared - checked, f"foreign keys without a staged rule: {sorted(declared - checked)}"
    assert not checked - declared, f"staged rules for keys the contract does not declare: {sorted(checked - declared)}"


def test_the_staged_gate_checks_the_contracts_cross_table_arithmetic() -> None:
    from ecom_pipeline.quality.sql_suites import STAGED_RULES

    names = {rule.name for rule in STAGED_RULES}
    assert {"orders.totals_equal_sum_of_items", "payments.captured_amount_equals_order_total"} <= names
