"""Raw warehouse schema: contract tables in `raw`, their unconstrained twins in `raw_stage`, the partition ledger.

Revision ID: 0001
Revises:
Create Date: 2026-01-01

`raw.<table>` holds the contract's columns in contract order, then `_partition_date` (the day partition the row
came from) and `_loaded_at`. The five fact tables are range-partitioned by `_partition_date`, one partition per
day named `<table>_pYYYYMMDD`, created by `raw.ensure_day_partition(tbl, day)`; their primary keys carry
`_partition_date` as PostgreSQL requires. Every constraint is named, so a rejected row says which rule it broke.
Foreign keys are DEFERRABLE INITIALLY DEFERRED so that a day can be replaced inside one transaction; there is no
foreign key from order_status_history, payments or shipments to orders (their rows point at orders of earlier
days, i.e. other partitions): the quality gates check those.

`raw_stage.<table>` has the same columns and types, UNLOGGED and without constraints (only `_partition_date` is
NOT NULL), so the audit can see bad rows. `raw._ecom_partitions` records each (table, day) partition loaded.

This file is frozen DDL, written by hand: a later contract change is a new revision, never an edit here.
Downgrade drops everything below; schema `raw` stays, holding only Alembic's (then empty) `raw.alembic_version`.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

RAW_TABLES = """
CREATE SCHEMA IF NOT EXISTS raw;

CREATE TABLE raw.categories (
    category_id         text        NOT NULL,
    parent_category_id  text,
    name                text        NOT NULL,
    level               smallint    NOT NULL,
    path                text        NOT NULL,
    created_at          timestamptz NOT NULL,
    _partition_date     date        NOT NULL,
    _loaded_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT categories_pkey PRIMARY KEY (category_id),
    CONSTRAINT categories_level_range CHECK (level BETWEEN 1 AND 3),
    CONSTRAINT categories_parent_category_id_fkey FOREIGN KEY (parent_category_id)
        REFERENCES raw.categories (category_id) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE raw.products (
    product_id          text          NOT NULL,
    sku                 text          NOT NULL,
    name                text          NOT NULL,
    category_id         text          NOT NULL,
    brand               text          NOT NULL,
    price               numeric(12,2) NOT NULL,
    cost                numeric(12,2) NOT NULL,
    currency            text          NOT NULL,
    country             text          NOT NULL,
    size                text,
    color               text,
    material            text,
    launched_at         timestamptz   NOT NULL,
    is_active           boolean       NOT NULL,
    _partition_date     date          NOT NULL,
    _loaded_at          timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT products_pkey PRIMARY KEY (product_id),
    CONSTRAINT products_sku_key UNIQUE (sku),
    CONSTRAINT products_price_positive CHECK (price > 0),
    CONSTRAINT products_cost_positive CHECK (cost > 0),
    CONSTRAINT products_cost_below_price CHECK (cost < price),
    CONSTRAINT products_currency_valid CHECK (currency IN ('USD', 'GBP', 'EUR', 'BRL', 'JPY')),
    CONSTRAINT products_category_id_fkey FOREIGN KEY (category_id)
        REFERENCES raw.categories (category_id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX products_category_id_idx ON raw.products (category_id);

CREATE TABLE raw.customers (
    customer_id         text        NOT NULL,
    first_name          text        NOT NULL,
    last_name           text        NOT NULL,
    email               text        NOT NULL,
    phone               text        NOT NULL,
    gender              text        NOT NULL,
    birth_date          date        NOT NULL,
    country             text        NOT NULL,
    locale              text        NOT NULL,
    segment             text        NOT NULL,
    marketing_consent   boolean     NOT NULL,
    signup_at           timestamptz NOT NULL,
    _partition_date     date        NOT NULL,
    _loaded_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT customers_pkey PRIMARY KEY (customer_id),
    CONSTRAINT customers_email_key UNIQUE (email),
    CONSTRAINT customers_email_shape CHECK (email LIKE '%@%'),
    CONSTRAINT customers_gender_valid CHECK (gender IN ('female', 'male')),
    CONSTRAINT customers_segment_valid CHECK (segment IN ('consumer', 'vip', 'business'))
);

CREATE TABLE raw.addresses (
    address_id          text        NOT NULL,
    customer_id         text        NOT NULL,
    is_default          boolean     NOT NULL,
    created_at          timestamptz NOT NULL,
    line1               text        NOT NULL,
    city                text        NOT NULL,
    region              text        NOT NULL,
    postal_code         text        NOT NULL,
    country             text        NOT NULL,
    _partition_date     date        NOT NULL,
    _loaded_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT addresses_pkey PRIMARY KEY (address_id),
    CONSTRAINT addresses_customer_id_fkey FOREIGN KEY (customer_id)
        REFERENCES raw.customers (customer_id) DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX addresses_customer_id_idx ON raw.addresses (customer_id);

CREATE TABLE raw.orders (
    order_id            text          NOT NULL,
    customer_id         text          NOT NULL,
    shipping_address_id text          NOT NULL,
    created_at          timestamptz   NOT NULL,
    currency            text          NOT NULL,
    item_count          smallint      NOT NULL,
    units               integer       NOT NULL,
    subtotal            numeric(12,2) NOT NULL,
    discount            numeric(12,2) NOT NULL,
    tax                 numeric(12,2) NOT NULL,
    shipping_fee        numeric(12,2) NOT NULL,
    total               numeric(12,2) NOT NULL,
    is_first_order      boolean       NOT NULL,
    _partition_date     date          NOT NULL,
    _loaded_at          timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT orders_pkey PRIMARY KEY (order_id, _partition_date),
    CONSTRAINT orders_currency_valid CHECK (currency IN ('USD', 'GBP', 'EUR', 'BRL', 'JPY')),
    CONSTRAINT orders_item_count_positive CHECK (item_count >= 1),
    CONSTRAINT orders_subtotal_nonnegative CHECK (subtotal >= 0),
    CONSTRAINT orders_discount_nonnegative CHECK (discount >= 0),
    CONSTRAINT orders_tax_nonnegative CHECK (tax >= 0),
    CONSTRAINT orders_shipping_fee_nonnegative CHECK (shipping_fee >= 0),
    CONSTRAINT orders_total_nonnegative CHECK (total >= 0),
    CONSTRAINT orders_total_adds_up CHECK (total = subtotal - discount + tax + shipping_fee),
    CONSTRAINT orders_customer_id_fkey FOREIGN KEY (customer_id)
        REFERENCES raw.customers (customer_id) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT orders_shipping_address_id_fkey FOREIGN KEY (shipping_address_id)
        REFERENCES raw.addresses (address_id) DEFERRABLE INITIALLY DEFERRED
) PARTITION BY RANGE (_partition_date);
CREATE INDEX orders_customer_id_idx ON raw.orders (customer_id);

CREATE TABLE raw.order_items (
    order_item_id       text          NOT NULL,
    order_id            text          NOT NULL,
    line_number         smallint      NOT NULL,
    product_id          text          NOT NULL,
    quantity            integer       NOT NULL,
    unit_price          numeric(12,2) NOT NULL,
    discount            numeric(12,2) NOT NULL,
    line_total          numeric(12,2) NOT NULL,
    _partition_date     date          NOT NULL,
    _loaded_at          timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT order_items_pkey PRIMARY KEY (order_item_id, _partition_date),
    CONSTRAINT order_items_quantity_positive CHECK (quantity >= 1),
    CONSTRAINT order_items_unit_price_positive CHECK (unit_price > 0),
    CONSTRAINT order_items_discount_nonnegative CHECK (discount >= 0),
    CONSTRAINT order_items_line_total_adds_up CHECK (line_total = quantity * unit_price - discount),
    CONSTRAINT order_items_order_id_fkey FOREIGN KEY (order_id, _partition_date)
        REFERENCES raw.orders (order_id, _partition_date) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT order_items_product_id_fkey FOREIGN KEY (product_id)
        REFERENCES raw.products (product_id) DEFERRABLE INITIALLY DEFERRED
) PARTITION BY RANGE (_partition_date);
CREATE INDEX order_items_order_id_idx ON raw.order_items (order_id);
CREATE INDEX order_items_product_id_idx ON raw.order_items (product_id);

-- The primary key (order_id, status, _partition_date) already serves joins on order_id.
CREATE TABLE raw.order_status_history (
    order_id            text        NOT NULL,
    status              text        NOT NULL,
    changed_at          timestamptz NOT NULL,
    _partition_date     date        NOT NULL,
    _loaded_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT order_status_history_pkey PRIMARY KEY (order_id, status, _partition_date),
    CONSTRAINT order_status_history_status_valid
        CHECK (status IN ('placed', 'paid', 'shipped', 'delivered', 'cancelled'))
) PARTITION BY RANGE (_partition_date);

CREATE TABLE raw.payments (
    payment_id          text          NOT NULL,
    order_id            text          NOT NULL,
    attempt             smallint      NOT NULL,
    method              text          NOT NULL,
    card_brand          text,
    card_bin            text,
    card_last4          text,
    amount              numeric(12,2) NOT NULL,
    currency            text          NOT NULL,
    status              text          NOT NULL,
    failure_reason      text,
    created_at          timestamptz   NOT NULL,
    _partition_date     date          NOT NULL,
    _loaded_at          timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT payments_pkey PRIMARY KEY (payment_id, _partition_date),
    CONSTRAINT payments_attempt_positive CHECK (attempt >= 1),
    CONSTRAINT payments_method_valid CHECK (method IN (
        'credit_card', 'debit_card', 'wallet', 'paypal', 'bnpl', 'invoice',
        'direct_debit', 'bank_transfer', 'pix', 'boleto', 'konbini', 'gift_card'
    )),
    CONSTRAINT payments_card_brand_valid CHECK (card_brand IN (
        'visa', 'mastercard', 'amex', 'discover', 'jcb', 'cartes_bancaires', 'elo'
    )),
    CONSTRAINT payments_card_bin_digits CHECK (card_bin ~ '^[0-9]{6}$'),
    CONSTRAINT payments_card_last4_digits CHECK (card_last4 ~ '^[0-9]{4}$'),
    CONSTRAINT payments_amount_nonnegative CHECK (amount >= 0),
    CONSTRAINT payments_currency_valid CHECK (currency IN ('USD', 'GBP', 'EUR', 'BRL', 'JPY')),
    CONSTRAINT payments_status_valid CHECK (status IN ('failed', 'captured'))
) PARTITION BY RANGE (_partition_date);
CREATE INDEX payments_order_id_idx ON raw.payments (order_id);

CREATE TABLE raw.shipments (
    shipment_id            text        NOT NULL,
    order_id               text        NOT NULL,
    carrier                text        NOT NULL,
    tracking_number        text        NOT NULL,
    shipped_at             timestamptz NOT NULL,
    promised_delivery_date date        NOT NULL,
    _partition_date        date        NOT NULL,
    _loaded_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT shipments_pkey PRIMARY KEY (shipment_id, _partition_date)
) PARTITION BY RANGE (_partition_date);
CREATE INDEX shipments_order_id_idx ON raw.shipments (order_id);
"""

# Creates raw.<tbl>_pYYYYMMDD for [day, day + 1) when missing; returns its qualified, quoted name. Only tables of
# schema raw that are partitioned qualify; names go through %I and values through %L, never bare concatenation.
# The advisory lock serializes two sessions creating the same partition at once (the loser then finds it).
ENSURE_DAY_PARTITION = """
CREATE FUNCTION raw.ensure_day_partition(tbl text, day date) RETURNS text
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $fn$
DECLARE
    part text;
BEGIN
    IF tbl IS NULL OR day IS NULL THEN
        RAISE EXCEPTION 'raw.ensure_day_partition: tbl and day must not be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (
        SELECT 1
        FROM pg_catalog.pg_partitioned_table p
        JOIN pg_catalog.pg_class c ON c.oid = p.partrelid
        JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'raw' AND c.relname = tbl
    ) THEN
        RAISE EXCEPTION 'raw.ensure_day_partition: % is not a day-partitioned table of schema raw', quote_literal(tbl)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    part := tbl || '_p' || to_char(day, 'YYYYMMDD');
    IF to_regclass(format('raw.%I', part)) IS NULL THEN
        PERFORM pg_advisory_xact_lock(hashtext('raw.ensure_day_partition'), hashtext(part));
        EXECUTE format(
            'CREATE TABLE IF NOT EXISTS raw.%I PARTITION OF raw.%I FOR VALUES FROM (%L) TO (%L)',
            part, tbl, to_char(day, 'YYYY-MM-DD'), to_char(day + 1, 'YYYY-MM-DD')
        );
    END IF;
    RETURN format('raw.%I', part);
END
$fn$;

COMMENT ON FUNCTION raw.ensure_day_partition(text, date) IS
    'Create raw.<tbl>_pYYYYMMDD, the partition of day-partitioned table raw.<tbl> for [day, day + 1), if missing; '
    'returns its name.';
"""

STAGE_TABLES = """
CREATE SCHEMA raw_stage;

CREATE UNLOGGED TABLE raw_stage.categories (
    category_id         text,
    parent_category_id  text,
    name                text,
    level               smallint,
    path                text,
    created_at          timestamptz,
    _partition_date     date NOT NULL,
    _loaded_at          timestamptz DEFAULT now()
);

CREATE UNLOGGED TABLE raw_stage.products (
    product_id          text,
    sku                 text,
    name                text,
    category_id         text,
    brand               text,
    price               numeric(12,2),
    cost                numeric(12,2),
    currency            text,
    country             text,
    size                text,
    color               text,
    material            text,
    launched_at         timestamptz,
    is_active           boolean,
    _partition_date     date NOT NULL,
    _loaded_at          timestamptz DEFAULT now()
);

CREATE UNLOGGED TABLE raw_stage.customers (
    customer_id         text,
    first_name          text,
    last_name           text,
    email               text,
    phone               text,
    gender              text,
    birth_date          date,
    country             text,
    locale              text,
    segment             text,
    marketing_consent   boolean,
    signup_at           timestamptz,
    _partition_date     date NOT NULL,
    _loaded_at          timestamptz DEFAULT now()
);

CREATE UNLOGGED TABLE raw_stage.addresses (
    address_id          text,
    customer_id         text,
    is_default          boolean,
    created_at          timestamptz,
    line1               text,
    city                text,
    region              text,
    postal_code         text,
    country             text,
    _partition_date     date NOT NULL,
    _loaded_at          timestamptz DEFAULT now()
);

CREATE UNLOGGED TABLE raw_stage.orders (
    order_id            text,
    customer_id         text,
    shipping_address_id text,
    created_at          timestamptz,
    currency            text,
    item_count          smallint,
    units               integer,
    subtotal            numeric(12,2),
    discount            numeric(12,2),
    tax                 numeric(12,2),
    shipping_fee        numeric(12,2),
    total               numeric(12,2),
    is_first_order      boolean,
    _partition_date     date NOT NULL,
    _loaded_at          timestamptz DEFAULT now()
);

CREATE UNLOGGED TABLE raw_stage.order_items (
    order_item_id       text,
    order_id            text,
    line_number         smallint,
    product_id          text,
    quantity            integer,
    unit_price          numeric(12,2),
    discount            numeric(12,2),
    line_total          numeric(12,2),
    _partition_date     date NOT NULL,
    _loaded_at          timestamptz DEFAULT now()
);

CREATE UNLOGGED TABLE raw_stage.order_status_history (
    order_id            text,
    status              text,
    changed_at          timestamptz,
    _partition_date     date NOT NULL,
    _loaded_at          timestamptz DEFAULT now()
);

CREATE UNLOGGED TABLE raw_stage.payments (
    payment_id          text,
    order_id            text,
    attempt             smallint,
    method              text,
    card_brand          text,
    card_bin            text,
    card_last4          text,
    amount              numeric(12,2),
    currency            text,
    status              text,
    failure_reason      text,
    created_at          timestamptz,
    _partition_date     date NOT NULL,
    _loaded_at          timestamptz DEFAULT now()
);

CREATE UNLOGGED TABLE raw_stage.shipments (
    shipment_id            text,
    order_id               text,
    carrier                text,
    tracking_number        text,
    shipped_at             timestamptz,
    promised_delivery_date date,
    _partition_date        date NOT NULL,
    _loaded_at             timestamptz DEFAULT now()
);

CREATE INDEX categories_partition_date_idx ON raw_stage.categories (_partition_date);
CREATE INDEX products_partition_date_idx ON raw_stage.products (_partition_date);
CREATE INDEX customers_partition_date_idx ON raw_stage.customers (_partition_date);
CREATE INDEX addresses_partition_date_idx ON raw_stage.addresses (_partition_date);
CREATE INDEX orders_partition_date_idx ON raw_stage.orders (_partition_date);
CREATE INDEX order_items_partition_date_idx ON raw_stage.order_items (_partition_date);
CREATE INDEX order_status_history_partition_date_idx ON raw_stage.order_status_history (_partition_date);
CREATE INDEX payments_partition_date_idx ON raw_stage.payments (_partition_date);
CREATE INDEX shipments_partition_date_idx ON raw_stage.shipments (_partition_date);
"""

LEDGER = """
CREATE TABLE raw._ecom_partitions (
    table_name      text        NOT NULL,
    day             date        NOT NULL,
    identity        jsonb       NOT NULL,
    identity_hash   text        NOT NULL,
    rows            bigint      NOT NULL,
    sha256          text        NOT NULL,
    loaded_at       timestamptz NOT NULL DEFAULT now(),
    status          text        NOT NULL,
    published_at    timestamptz,
    published_rows  bigint,
    published_sha256 text,
    CONSTRAINT _ecom_partitions_pkey PRIMARY KEY (table_name, day),
    CONSTRAINT _ecom_partitions_status_valid CHECK (status IN ('staged', 'published'))
);

COMMENT ON TABLE raw._ecom_partitions IS
    'Ledger of loaded day partitions: one row per (table_name, day), staged then published. rows/sha256 '
    'describe the latest staged version; published_rows/published_sha256 what raw holds.';
"""

DROP_ALL = """
DROP FUNCTION raw.ensure_day_partition(text, date);
DROP TABLE raw._ecom_partitions;
DROP TABLE
    raw_stage.shipments, raw_stage.payments, raw_stage.order_status_history, raw_stage.order_items,
    raw_stage.orders, raw_stage.addresses, raw_stage.customers, raw_stage.products, raw_stage.categories;
DROP SCHEMA raw_stage;
DROP TABLE
    raw.shipments, raw.payments, raw.order_status_history, raw.order_items,
    raw.orders, raw.addresses, raw.customers, raw.products, raw.categories;
"""


def upgrade() -> None:
    op.execute(RAW_TABLES)
    op.execute(ENSURE_DAY_PARTITION)
    op.execute(STAGE_TABLES)
    op.execute(LEDGER)


def downgrade() -> None:
    # Plain DROPs (RESTRICT): a view built on these tables (e.g. by dbt) stops the downgrade instead of vanishing.
    # Day partitions go with their parents. Schema raw stays: it holds Alembic's version table.
    op.execute(DROP_ALL)
