"""The data contract, as code: one `TableContract` per table, versioned.

Money is decimal(12,2) in the currency of the customer's market, timestamps are UTC with microsecond
precision, ids are UUIDv7 strings. Every table is partitioned by day (`date=YYYY-MM-DD` in the path only).
"""

from __future__ import annotations

import polars as pl

from ecom_pipeline.contract.enums import (
    CardBrand,
    Currency,
    Gender,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    Segment,
)
from ecom_pipeline.contract.model import (
    AgeBetween,
    Below,
    Between,
    Column,
    Constant,
    Equals,
    HashedEmail,
    Kind,
    Like,
    Matches,
    Pii,
    TableContract,
    Token,
    Unique,
    at_least,
    not_negative,
    positive,
)

CONTRACT_VERSION = "1.1.0"

MONEY = pl.Decimal(12, 2)
TS = pl.Datetime("us", "UTC")
ID = pl.String

# Row arithmetic, written once: the generator computes it, the bronze gate and the warehouse check it.
ORDER_TOTAL = "subtotal - discount + tax + shipping_fee"
LINE_TOTAL = "quantity * unit_price - discount"

# What fct_orders keeps of an order, renamed where the mart converts money to the reporting currency.
_FCT_ORDERS_LOCAL = "fct_orders.{}_local"

CONTRACTS: dict[str, TableContract] = {
    t.name: t
    for t in (
        TableContract(
            "categories",
            "Product category tree, 2 to 3 levels; created once, in the epoch's partition.",
            ("category_id",),
            kind=Kind.DIMENSION,
            partition_column=None,
            partitioned_by="the epoch (opening catalog)",
            columns=(
                Column("category_id", ID, "UUIDv7 of the category."),
                Column(
                    "parent_category_id",
                    ID,
                    "Parent category; null at a root.",
                    nullable=True,
                    foreign_key="categories.category_id",
                ),
                Column("name", pl.String, "Display name."),
                Column(
                    "level",
                    pl.Int16,
                    "Depth in the tree: 1 for a root.",
                    checks=(Between(1, 3, label="1_to_3", note="The category tree has 2 to 3 levels."),),
                ),
                Column("path", pl.String, "Stable slug path from the root, e.g. apparel/women/dresses."),
                Column("created_at", TS, "When the category was created (before the epoch)."),
            ),
        ),
        TableContract(
            "products",
            "Products listed in one storefront (market), priced in its currency; price fixed at launch.",
            ("product_id",),
            kind=Kind.DIMENSION,
            partition_column="launched_at",
            partitioned_by="launched_at (opening catalog: the epoch)",
            columns=(
                Column("product_id", ID, "UUIDv7 of the product, timestamped at launch."),
                Column(
                    "sku",
                    pl.String,
                    "Stock keeping unit, unique across the dataset.",
                    checks=(Unique("SKUs are unique across the dataset, so within a partition too."),),
                ),
                Column("name", pl.String, "Brand, adjective, material and noun."),
                Column("category_id", ID, "Leaf category.", foreign_key="categories.category_id"),
                Column("brand", pl.String, "Brand name."),
                Column(
                    "price",
                    MONEY,
                    "List price in the storefront currency; orders sell at this price.",
                    checks=(positive(),),
                ),
                Column(
                    "cost",
                    MONEY,
                    "Unit cost, always below price.",
                    checks=(
                        positive("{column} is a unit cost: strictly positive."),
                        Below("price", "Every product sells above its unit cost."),
                    ),
                ),
                Column("currency", pl.String, "ISO 4217 currency of the storefront.", enum=Currency),
                Column("country", pl.String, "Storefront (market) the product is listed in."),
                Column("size", pl.String, "Size where it fits the category.", nullable=True),
                Column("color", pl.String, "Color where it fits the category.", nullable=True),
                Column("material", pl.String, "Material where it fits the category.", nullable=True),
                Column("launched_at", TS, "When the product went on sale."),
                Column("is_active", pl.Boolean, "Listed for sale; inactive products are never ordered."),
            ),
        ),
        TableContract(
            "customers",
            "Registered customers; one partition per sign-up day (opening base: the epoch).",
            ("customer_id",),
            kind=Kind.DIMENSION,
            partition_column="signup_at",
            partitioned_by="signup_at (opening base: the epoch)",
            columns=(
                Column("customer_id", ID, "UUIDv7 of the customer, timestamped at sign-up."),
                Column(
                    "first_name",
                    pl.String,
                    "Given name from the market's locale.",
                    pii=Pii.DIRECT,
                    mask=Constant("Customer"),
                ),
                Column(
                    "last_name",
                    pl.String,
                    "Family name from the market's locale.",
                    pii=Pii.DIRECT,
                    mask=Token("Customer_", of="customer_id", digits=8),
                ),
                Column(
                    "email",
                    pl.String,
                    "Email address, unique across the dataset.",
                    checks=(
                        Unique("Emails are unique across the dataset, so within a partition too."),
                        Like("%@%", "shape", "An email address holds an @."),
                    ),
                    pii=Pii.DIRECT,
                    mask=HashedEmail(),
                ),
                Column(
                    "phone",
                    pl.String,
                    "Phone number valid in the market's numbering plan.",
                    pii=Pii.DIRECT,
                    mask=Token("tok_", of="phone", digits=12),
                ),
                Column("gender", pl.String, "Gender used to pick the given name.", enum=Gender, pii=Pii.QUASI),
                Column(
                    "birth_date",
                    pl.Date,
                    "Birth date; age at sign-up ~ Normal(35, 12) truncated to 18-90.",
                    checks=(
                        AgeBetween(
                            "signup_at",
                            18,
                            90,
                            "Age at sign-up (signup_at date minus birth_date, in 365.25-day years) lies in 18-90.",
                        ),
                    ),
                    pii=Pii.QUASI,
                ),
                Column("country", pl.String, "ISO 3166-1 alpha-2 market of the customer."),
                Column("locale", pl.String, "BCP 47 locale of the customer."),
                Column(
                    "segment",
                    pl.String,
                    "consumer, vip (most active 5%) or business (corporate email).",
                    enum=Segment,
                ),
                Column("marketing_consent", pl.Boolean, "Opted in to marketing email."),
                Column(
                    "time_zone",
                    pl.String,
                    "IANA time zone of the customer's default address, e.g. America/Los_Angeles.",
                    checks=(
                        Matches(
                            r"^[A-Z][A-Za-z_]+(/[A-Za-z_-]+)+$",
                            "iana",
                            "An IANA zone name, e.g. America/Los_Angeles.",
                        ),
                    ),
                    pii=Pii.QUASI,
                    dbt_not_null=True,
                ),
                Column("signup_at", TS, "Sign-up time (UTC)."),
            ),
        ),
        TableContract(
            "addresses",
            "Customer addresses, created at sign-up, 1 to 3 per customer, exactly one default.",
            ("address_id",),
            kind=Kind.DIMENSION,
            partition_column="created_at",
            partitioned_by="the customer's signup_at",
            columns=(
                Column("address_id", ID, "UUIDv7 of the address."),
                Column("customer_id", ID, "Owner.", foreign_key="customers.customer_id"),
                Column("is_default", pl.Boolean, "The customer's default shipping address."),
                Column("created_at", TS, "Created with the customer at sign-up."),
                Column(
                    "line1",
                    pl.String,
                    "Street and number in the market's format.",
                    pii=Pii.DIRECT,
                    mask=Token("Address_", of="address_id", digits=8),
                ),
                Column("city", pl.String, "City from the geonames gazetteer.", pii=Pii.QUASI),
                Column("region", pl.String, "State, Land, region, prefecture or nation of the city."),
                Column(
                    "postal_code",
                    pl.String,
                    "Postal code of the city (a real code or district of it).",
                    pii=Pii.QUASI,
                ),
                Column("country", pl.String, "ISO 3166-1 alpha-2 country."),
            ),
        ),
        TableContract(
            "orders",
            "Orders with the money fixed when placed; partition = day of created_at.",
            ("order_id",),
            kind=Kind.FACT,
            partition_column="created_at",
            partitioned_by="created_at",
            columns=(
                Column("order_id", ID, "UUIDv7 of the order, timestamped at creation.", carried=("fct_orders",)),
                Column(
                    "customer_id",
                    ID,
                    "Customer who signed up before the order.",
                    foreign_key="customers.customer_id",
                    carried=("fct_orders",),
                ),
                Column(
                    "shipping_address_id",
                    ID,
                    "An address of that customer.",
                    foreign_key="addresses.address_id",
                    carried=("fct_orders",),
                ),
                Column("created_at", TS, "When the order was placed (UTC).", carried=("fct_orders",)),
                Column(
                    "currency",
                    pl.String,
                    "ISO 4217 currency of the customer's market.",
                    enum=Currency,
                    carried=("fct_orders",),
                ),
                Column("item_count", pl.Int16, "Number of order lines.", checks=(at_least(1),)),
                Column("units", pl.Int32, "Sum of quantities over the lines.", checks=(at_least(1),)),
                Column(
                    "subtotal",
                    MONEY,
                    "Sum of line totals.",
                    checks=(not_negative(),),
                    carried=(_FCT_ORDERS_LOCAL.format("subtotal"),),
                ),
                Column(
                    "discount",
                    MONEY,
                    "Order-level (coupon) discount.",
                    checks=(not_negative(),),
                    carried=(_FCT_ORDERS_LOCAL.format("discount"),),
                ),
                Column(
                    "tax",
                    MONEY,
                    "Tax on subtotal minus discount at the market's rate.",
                    checks=(not_negative(),),
                    carried=(_FCT_ORDERS_LOCAL.format("tax"),),
                ),
                Column(
                    "shipping_fee",
                    MONEY,
                    "Shipping fee; zero above the market's free-shipping threshold.",
                    checks=(not_negative(),),
                    carried=(_FCT_ORDERS_LOCAL.format("shipping_fee"),),
                ),
                Column(
                    "total",
                    MONEY,
                    f"{ORDER_TOTAL}.",
                    checks=(not_negative(), Equals(ORDER_TOTAL)),
                    carried=(_FCT_ORDERS_LOCAL.format("total"),),
                ),
                Column("is_first_order", pl.Boolean, "Placed by a customer on their sign-up day."),
            ),
        ),
        TableContract(
            "order_items",
            "Order lines, partitioned with their order.",
            ("order_item_id",),
            kind=Kind.FACT,
            partition_column=None,
            partition_via="order_id",
            partitioned_by="the order's created_at",
            columns=(
                Column("order_item_id", ID, "UUIDv7 of the line."),
                Column("order_id", ID, "Order.", foreign_key="orders.order_id"),
                Column("line_number", pl.Int16, "1-based position within the order.", checks=(at_least(1),)),
                Column(
                    "product_id",
                    ID,
                    "Active product of the customer's storefront, launched before the order.",
                    foreign_key="products.product_id",
                ),
                Column("quantity", pl.Int32, "Units, at least 1.", checks=(at_least(1),)),
                Column("unit_price", MONEY, "The product's price.", checks=(positive(),)),
                Column("discount", MONEY, "Line discount (promotions).", checks=(not_negative(),)),
                Column("line_total", MONEY, f"{LINE_TOTAL}.", checks=(Equals(LINE_TOTAL),)),
            ),
        ),
        TableContract(
            "order_status_history",
            "Change data capture of each order's status; partition = day of the change.",
            ("order_id", "status"),
            kind=Kind.FACT,
            partition_column="changed_at",
            partitioned_by="changed_at",
            columns=(
                Column("order_id", ID, "Order.", foreign_key="orders.order_id"),
                Column(
                    "status",
                    pl.String,
                    "placed -> paid -> shipped -> delivered, or placed -> cancelled.",
                    enum=OrderStatus,
                ),
                Column("changed_at", TS, "When the order entered the status (UTC)."),
            ),
        ),
        TableContract(
            "payments",
            "Immutable payment attempts; every paid order has exactly one captured payment.",
            ("payment_id",),
            kind=Kind.FACT,
            partition_column="created_at",
            partitioned_by="created_at",
            columns=(
                Column("payment_id", ID, "UUIDv7 of the attempt."),
                Column("order_id", ID, "Order.", foreign_key="orders.order_id"),
                Column(
                    "attempt",
                    pl.Int16,
                    "1 for the first attempt, 2 for a retry after a decline.",
                    checks=(
                        Between(1, 2, label="1_or_2", note="1 for the first attempt, 2 for a retry after a decline."),
                    ),
                ),
                Column("method", pl.String, "Payment method.", enum=PaymentMethod),
                Column("card_brand", pl.String, "Card scheme for card payments.", nullable=True, enum=CardBrand),
                Column(
                    "card_bin",
                    pl.String,
                    "First 6 digits of a Luhn-valid synthetic card number.",
                    nullable=True,
                    checks=(Matches("^[0-9]{6}$", "digits", "Six digits where present."),),
                    pii=Pii.QUASI,
                ),
                Column(
                    "card_last4",
                    pl.String,
                    "Last 4 digits of that number.",
                    nullable=True,
                    checks=(Matches("^[0-9]{4}$", "digits", "Four digits where present."),),
                    pii=Pii.QUASI,
                ),
                Column("amount", MONEY, "The order total.", checks=(not_negative(),)),
                Column("currency", pl.String, "Currency of the order.", enum=Currency),
                Column("status", pl.String, "failed or captured.", enum=PaymentStatus),
                Column("failure_reason", pl.String, "Why a failed attempt failed.", nullable=True),
                Column("created_at", TS, "Attempt time; the captured attempt is at the order's paid change."),
            ),
        ),
        TableContract(
            "shipments",
            "One shipment per shipped order; partition = day it ships (delivery is a status change).",
            ("shipment_id",),
            kind=Kind.FACT,
            partition_column="shipped_at",
            partitioned_by="shipped_at",
            columns=(
                Column("shipment_id", ID, "UUIDv7 of the shipment."),
                Column("order_id", ID, "Order.", foreign_key="orders.order_id"),
                Column("carrier", pl.String, "Carrier, by the market's carrier mix."),
                Column("tracking_number", pl.String, "Tracking number in the carrier's format."),
                Column("shipped_at", TS, "Handed to the carrier (UTC); equals the shipped status change."),
                Column("promised_delivery_date", pl.Date, "Delivery date promised at dispatch."),
            ),
        ),
    )
}

TABLES: tuple[str, ...] = tuple(CONTRACTS)


def empty(table: str) -> pl.DataFrame:
    return pl.DataFrame(schema=CONTRACTS[table].schema)


def conform(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Select the contract's columns in contract order with contract types (a no-op cast when born right)."""
    contract = CONTRACTS[table]
    return frame.select([pl.col(c.name).cast(c.dtype) for c in contract.columns])
