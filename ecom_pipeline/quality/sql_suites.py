"""The warehouse suites, as code: `staged` (cross-table rules before publish) and `marts` (after dbt).

Every rule is a GX `UnexpectedRowsExpectation`: a SQL query returning the rows that break it, so a failure
reports how many rows and which. The queries are written out here in full, reviewable in
`great_expectations/expectations/`, with no runtime values spliced in: the day comes from the batch.

The batch of both suites is one day of the partition ledger `raw._ecom_partitions` (its batch definition
on `day`): one row per table of the day. Every query starts from that batch, `{batch} AS ledger`, and joins
the rows of its own table on `_partition_date = ledger.day`. (Starting from a join also keeps GX from
aliasing the batch itself: it leaves the alias to a query that has a JOIN.)

`staged` reads the staged day in `raw_stage` and resolves references against what that day may see: rows
staged or published on or before it (`raw_stage` and `raw`, days <= the partition), so one run can stage and
check a range of days before publishing any. `marts` reads dbt's `marts` schema for the published day.
"""

from __future__ import annotations

from dataclasses import dataclass

from ecom_pipeline.quality.suites import Rule

STAGED = "staged"
MARTS = "marts"
UNEXPECTED_ROWS = "UnexpectedRowsExpectation"


@dataclass(frozen=True, slots=True)
class Parent:
    """Where a reference may point: a table's rows on or before the partition day, staged or published."""

    table: str
    key: str


def _day_rows(table: str, alias: str) -> str:
    """The FROM clause of a staged query: the ledger's day, joined to the table's staged rows of that day."""
    return (
        "FROM {batch} AS ledger\n"
        f"JOIN raw_stage.{table} AS {alias}\n"
        f"  ON {alias}._partition_date = ledger.day AND ledger.table_name = '{table}'"
    )


def _visible(table: str, columns: str) -> str:
    """The rows of a table that a staged day may reference: staged ones and published ones (any day; the
    caller bounds `_partition_date` by the ledger's day)."""
    return (
        f"(SELECT {columns}, _partition_date FROM raw_stage.{table}\n"
        f"   UNION ALL SELECT {columns}, _partition_date FROM raw.{table})"
    )


def _missing(parent: Parent, condition: str) -> str:
    """NOT EXISTS in either place a parent row may be, on or before the ledger's day."""
    return " AND ".join(
        f"NOT EXISTS (SELECT 1 FROM {schema}.{parent.table} AS p"
        f" WHERE p.{parent.key} = {condition} AND p._partition_date <= ledger.day)"
        for schema in ("raw_stage", "raw")
    )


def _resolves(table: str, key: str, column: str, parent: Parent, notes: str, *, nullable: bool = False) -> Rule:
    alias = "c"
    where = f"{alias}.{column} IS NOT NULL AND " if nullable else ""
    query = (
        f"SELECT {alias}.{key}, {alias}.{column}\n"
        f"{_day_rows(table, alias)}\n"
        f"WHERE {where}{_missing(parent, f'{alias}.{column}')}"
    )
    return _rule(f"{table}.{column}_resolves", query, notes)


def _rule(name: str, query: str, notes: str) -> Rule:
    return Rule(name, UNEXPECTED_ROWS, {"unexpected_rows_query": query, "description": notes}, notes)


def _after(earlier: str, later: str) -> Rule:
    """A `later` status change needs an `earlier` one of the same order, at or before it."""
    query = (
        f"SELECT s.order_id, s.changed_at AS {later}_at, h.changed_at AS {earlier}_at\n"
        f"{_day_rows('order_status_history', 's')}\n"
        f"LEFT JOIN {_visible('order_status_history', 'order_id, status, changed_at')} AS h\n"
        f"  ON h.order_id = s.order_id AND h.status = '{earlier}' AND h._partition_date <= ledger.day\n"
        f"WHERE s.status = '{later}' AND (h.order_id IS NULL OR h.changed_at > s.changed_at)"
    )
    return _rule(
        f"order_status_history.{later}_after_{earlier}",
        query,
        f"Every '{later}' change follows an '{earlier}' change of the same order ({later} >= {earlier}).",
    )


ORDERS = Parent("orders", "order_id")

STAGED_RULES: tuple[Rule, ...] = (
    _resolves(
        "categories",
        "category_id",
        "parent_category_id",
        Parent("categories", "category_id"),
        "A category's parent exists.",
        nullable=True,
    ),
    _resolves(
        "products", "product_id", "category_id", Parent("categories", "category_id"), "A product's category exists."
    ),
    _resolves(
        "addresses",
        "address_id",
        "customer_id",
        Parent("customers", "customer_id"),
        "An address belongs to a customer who signed up on or before its day.",
    ),
    _rule(
        "customers.email_unique_across_days",
        "SELECT c.customer_id, c.email, v.customer_id AS other_customer_id, v._partition_date AS other_day\n"
        f"{_day_rows('customers', 'c')}\n"
        f"JOIN {_visible('customers', 'customer_id, email')} AS v\n"
        "  ON v.email = c.email AND v.customer_id <> c.customer_id AND v._partition_date <= ledger.day",
        "Emails are unique across the dataset: no other customer, staged or published, has the same one.",
    ),
    _rule(
        "orders.order_id_staged_once",
        f"SELECT o.order_id, count(*) AS copies\n{_day_rows('orders', 'o')}\nGROUP BY o.order_id\nHAVING count(*) > 1",
        "One row per order in the staged day.",
    ),
    _resolves(
        "orders",
        "order_id",
        "customer_id",
        Parent("customers", "customer_id"),
        "An order's customer signed up on or before the order's day.",
    ),
    _rule(
        "orders.shipping_address_id_resolves",
        "SELECT o.order_id, o.customer_id, o.shipping_address_id\n"
        f"{_day_rows('orders', 'o')}\n"
        "WHERE NOT EXISTS (SELECT 1 FROM raw_stage.addresses AS a WHERE a.address_id = o.shipping_address_id"
        " AND a.customer_id = o.customer_id AND a._partition_date <= ledger.day)\n"
        "  AND NOT EXISTS (SELECT 1 FROM raw.addresses AS a WHERE a.address_id = o.shipping_address_id"
        " AND a.customer_id = o.customer_id AND a._partition_date <= ledger.day)",
        "An order ships to an address of its own customer.",
    ),
    _rule(
        "orders.placed_after_signup",
        "SELECT o.order_id, o.created_at, v.signup_at\n"
        f"{_day_rows('orders', 'o')}\n"
        f"JOIN {_visible('customers', 'customer_id, signup_at')} AS v\n"
        "  ON v.customer_id = o.customer_id AND v._partition_date <= ledger.day\n"
        "WHERE v.signup_at > o.created_at",
        "An order is placed at or after its customer's sign-up.",
    ),
    _rule(
        "orders.totals_equal_sum_of_items",
        "SELECT o.order_id, o.item_count, i.lines, o.units, i.units AS item_units, o.subtotal,"
        " i.line_total AS sum_of_line_totals, o.total\n"
        f"{_day_rows('orders', 'o')}\n"
        "LEFT JOIN (SELECT order_id, _partition_date, count(*) AS lines, sum(quantity) AS units,"
        " sum(line_total) AS line_total FROM raw_stage.order_items GROUP BY order_id, _partition_date) AS i\n"
        "  ON i.order_id = o.order_id AND i._partition_date = o._partition_date\n"
        "WHERE i.order_id IS NULL OR o.item_count <> i.lines OR o.units <> i.units OR o.subtotal <> i.line_total",
        "An order's lines, units and subtotal are the count and sums of its items (its total's arithmetic is the "
        "contract's, checked by the bronze gate and raw's CHECK constraint).",
    ),
    _resolves(
        "order_items",
        "order_item_id",
        "order_id",
        ORDERS,
        "An order line belongs to an order staged or published on or before its day.",
    ),
    _resolves(
        "order_items",
        "order_item_id",
        "product_id",
        Parent("products", "product_id"),
        "An order line's product launched on or before its day.",
    ),
    _rule(
        "order_items.unit_price_equals_product_price",
        "SELECT i.order_item_id, i.product_id, i.unit_price, v.price AS product_price\n"
        f"{_day_rows('order_items', 'i')}\n"
        f"JOIN {_visible('products', 'product_id, price')} AS v\n"
        "  ON v.product_id = i.product_id AND v._partition_date <= ledger.day\n"
        "WHERE i.unit_price <> v.price",
        "An order line sells at its product's price.",
    ),
    _resolves(
        "order_status_history",
        "status",
        "order_id",
        ORDERS,
        "A status change belongs to an order placed on or before its day.",
    ),
    _rule(
        "order_status_history.placed_at_order_creation",
        "SELECT s.order_id, s.changed_at AS placed_at, v.created_at\n"
        f"{_day_rows('order_status_history', 's')}\n"
        f"JOIN {_visible('orders', 'order_id, created_at')} AS v\n"
        "  ON v.order_id = s.order_id AND v._partition_date <= ledger.day\n"
        "WHERE s.status = 'placed' AND s.changed_at <> v.created_at",
        "An order's 'placed' change is at the order's creation time.",
    ),
    _after("placed", "paid"),
    _after("paid", "shipped"),
    _after("shipped", "delivered"),
    _rule(
        "order_status_history.nothing_after_cancelled",
        "SELECT s.order_id, s.status, s.changed_at, h.status AS other_status, h.changed_at AS other_changed_at\n"
        f"{_day_rows('order_status_history', 's')}\n"
        f"JOIN {_visible('order_status_history', 'order_id, status, changed_at')} AS h\n"
        "  ON h.order_id = s.order_id AND h._partition_date <= ledger.day AND h.status <> s.status\n"
        "WHERE (h.status = 'cancelled' AND s.changed_at >= h.changed_at)\n"
        "   OR (s.status = 'cancelled' AND h.status IN ('paid', 'shipped', 'delivered'))",
        "A cancelled order changes no more, and an order is cancelled only before payment.",
    ),
    _resolves(
        "payments", "payment_id", "order_id", ORDERS, "A payment belongs to an order placed on or before its day."
    ),
    _rule(
        "payments.captured_amount_equals_order_total",
        "SELECT p.payment_id, p.order_id, p.amount, p.currency, v.total AS order_total, v.currency AS order_currency\n"
        f"{_day_rows('payments', 'p')}\n"
        f"JOIN {_visible('orders', 'order_id, total, currency')} AS v\n"
        "  ON v.order_id = p.order_id AND v._partition_date <= ledger.day\n"
        "WHERE p.status = 'captured' AND (p.amount <> v.total OR p.currency <> v.currency)",
        "A captured payment is for the order's total, in the order's currency.",
    ),
    _rule(
        "payments.not_before_order",
        "SELECT p.payment_id, p.order_id, p.created_at, v.created_at AS order_created_at\n"
        f"{_day_rows('payments', 'p')}\n"
        f"JOIN {_visible('orders', 'order_id, created_at')} AS v\n"
        "  ON v.order_id = p.order_id AND v._partition_date <= ledger.day\n"
        "WHERE p.created_at < v.created_at",
        "A payment attempt comes at or after its order was placed.",
    ),
    _resolves(
        "shipments", "shipment_id", "order_id", ORDERS, "A shipment belongs to an order placed on or before its day."
    ),
    _rule(
        "shipments.shipped_after_paid",
        "SELECT sh.shipment_id, sh.order_id, sh.shipped_at, h.changed_at AS paid_at\n"
        f"{_day_rows('shipments', 'sh')}\n"
        f"LEFT JOIN {_visible('order_status_history', 'order_id, status, changed_at')} AS h\n"
        "  ON h.order_id = sh.order_id AND h.status = 'paid' AND h._partition_date <= ledger.day\n"
        "WHERE h.order_id IS NULL OR sh.shipped_at < h.changed_at",
        "An order ships only after it was paid.",
    ),
)


def _mart_day(mart: str, alias: str, column: str) -> str:
    """The FROM clause of a marts query: the ledger's day (its orders row), joined to the mart's rows of it."""
    return (
        "FROM {batch} AS ledger\n"
        f"JOIN marts.{mart} AS {alias}\n"
        f"  ON {alias}.{column} = ledger.day AND ledger.table_name = 'orders'"
    )


def _mart_all(mart: str, alias: str) -> str:
    """The FROM clause of a whole-history mart (a snapshot): every row, once (the ledger's orders row)."""
    return f"FROM {{batch}} AS ledger\nJOIN marts.{mart} AS {alias}\n  ON ledger.table_name = 'orders'"


def _not_negative(mart: str, key: str, columns: tuple[str, ...], notes: str, *, daily: str | None = None) -> Rule:
    source = _mart_day(mart, "m", daily) if daily else _mart_all(mart, "m")
    query = (
        f"SELECT m.{key}, {', '.join(f'm.{c}' for c in columns)}\n{source}\n"
        f"WHERE {' OR '.join(f'm.{c} < 0' for c in columns)}"
    )
    return _rule(f"{mart}.counts_not_negative", query, notes)


MARTS_RULES: tuple[Rule, ...] = (
    _rule(
        "agg_daily_revenue.row_present",
        "SELECT ledger.day\n"
        "FROM {batch} AS ledger\n"
        "LEFT JOIN marts.agg_daily_revenue AS a ON a.order_date = ledger.day\n"
        "WHERE ledger.table_name = 'orders' AND a.order_date IS NULL",
        "Every published day has its row in agg_daily_revenue.",
    ),
    _rule(
        "agg_daily_revenue.revenue_reconciles_with_fct_orders",
        "SELECT a.order_date, a.orders, f.orders AS fct_orders, a.gross_revenue, f.gross_revenue AS fct_gross_revenue,"
        " a.cancelled_orders, f.cancelled_orders AS fct_cancelled_orders\n"
        f"{_mart_day('agg_daily_revenue', 'a', 'order_date')}\n"
        "LEFT JOIN (SELECT order_date, count(*) AS orders, sum(total) AS gross_revenue,"
        " count(*) FILTER (WHERE is_cancelled) AS cancelled_orders FROM marts.fct_orders GROUP BY order_date) AS f\n"
        "  ON f.order_date = a.order_date\n"
        "WHERE a.orders <> coalesce(f.orders, 0) OR a.gross_revenue <> coalesce(f.gross_revenue, 0)\n"
        "   OR a.cancelled_orders <> coalesce(f.cancelled_orders, 0)",
        "The day's orders, gross revenue and cancellations in agg_daily_revenue are those of fct_orders.",
    ),
    _rule(
        "agg_daily_revenue.net_revenue_is_gross_minus_cancelled",
        "SELECT a.order_date, a.gross_revenue, a.cancelled_revenue, a.net_revenue\n"
        f"{_mart_day('agg_daily_revenue', 'a', 'order_date')}\n"
        "WHERE a.net_revenue <> a.gross_revenue - a.cancelled_revenue OR a.cancelled_revenue > a.gross_revenue",
        "Net revenue is gross revenue minus cancelled revenue, and cancellations never exceed the gross.",
    ),
    _not_negative(
        "agg_daily_revenue",
        "order_date",
        (
            "orders",
            "customers",
            "new_customers",
            "returning_customers",
            "units",
            "cancelled_orders",
            "gross_revenue",
            "cancelled_revenue",
        ),
        "No count or revenue of the day is negative.",
        daily="order_date",
    ),
    _rule(
        "fct_orders.reconciles_with_raw_orders",
        "SELECT ledger.day, r.orders AS raw_orders, f.orders AS fct_orders, r.total AS raw_total_local,"
        " f.total_local AS fct_total_local\n"
        "FROM {batch} AS ledger\n"
        "JOIN (SELECT count(*) AS orders, coalesce(sum(total), 0) AS total, _partition_date FROM raw.orders"
        " GROUP BY _partition_date) AS r ON r._partition_date = ledger.day AND ledger.table_name = 'orders'\n"
        "LEFT JOIN (SELECT order_date, count(*) AS orders, coalesce(sum(total_local), 0) AS total_local"
        " FROM marts.fct_orders GROUP BY order_date) AS f ON f.order_date = ledger.day\n"
        "WHERE f.order_date IS NULL AND r.orders > 0 OR r.orders <> f.orders OR r.total <> f.total_local",
        "fct_orders holds exactly the day's published orders, with the same totals.",
    ),
    _rule(
        "fct_order_items.reconcile_with_fct_orders",
        "SELECT r.*\n"
        "FROM {batch} AS ledger\n"
        "JOIN (SELECT coalesce(f.order_id, i.order_id) AS order_id, coalesce(f.order_date, i.order_date) AS order_date,"
        " f.item_count, i.lines, f.units, i.units AS line_units, f.subtotal_local, i.subtotal_local AS"
        " lines_subtotal_local, f.subtotal, i.subtotal AS lines_subtotal\n"
        "  FROM marts.fct_orders AS f\n"
        "  FULL JOIN (SELECT order_id, min(order_date) AS order_date, count(*) AS lines, sum(quantity) AS units,"
        " sum(line_total_local) AS subtotal_local, sum(line_total) AS subtotal FROM marts.fct_order_items"
        " GROUP BY order_id) AS i ON i.order_id = f.order_id) AS r\n"
        "  ON r.order_date = ledger.day AND ledger.table_name = 'orders'\n"
        "WHERE r.item_count IS NULL OR r.lines IS NULL OR r.item_count <> r.lines OR r.units <> r.line_units\n"
        "   OR r.subtotal_local <> r.lines_subtotal_local\n"
        "   OR abs(r.subtotal - r.lines_subtotal) > 0.005 * (r.lines + 1)",
        "Each order of the day has its lines in fct_order_items, and they add up to its header: line count, units"
        " and subtotal exactly in the local currency, the subtotal in the reporting currency within the rounding of"
        " each line (half a cent per line); no lines without an order.",
    ),
    _not_negative(
        "customer_ltv",
        "customer_id",
        ("lifetime_orders", "cancelled_orders", "non_cancelled_orders", "lifetime_revenue"),
        "No customer's lifetime count or revenue is negative.",
    ),
    _not_negative(
        "product_performance",
        "product_id",
        ("orders", "units_sold", "net_units_sold", "gross_revenue", "net_revenue"),
        "No product's count or revenue is negative.",
    ),
    _not_negative(
        "customer_cohorts",
        "cohort_month",
        ("cohort_size", "active_customers", "retention_rate"),
        "No cohort size, active count or retention rate is negative.",
    ),
)

RULES: dict[str, tuple[Rule, ...]] = {STAGED: STAGED_RULES, MARTS: MARTS_RULES}


def sql_rules(checkpoint: str) -> list[Rule]:
    """The rules of a warehouse checkpoint (`staged` or `marts`), in suite order."""
    return list(RULES[checkpoint])
