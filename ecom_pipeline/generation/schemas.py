"""The data contract, as code: one schema per table, exported as JSON Schema with its version.

Every table is partitioned by day (`date=YYYY-MM-DD` in the path only). Money is decimal(12,2) in the
currency of the customer's market, timestamps are UTC with microsecond precision, ids are UUIDv7 strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

import polars as pl

CONTRACT_VERSION = "1.1.0"

MONEY = pl.Decimal(12, 2)
TS = pl.Datetime("us", "UTC")
ID = pl.String


# A column's polars type: an instance such as `pl.Decimal(12, 2)`, or a class without parameters such as `pl.String`.
DType: TypeAlias = pl.DataType | type[pl.DataType]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    dtype: DType
    description: str
    nullable: bool = False
    enum: tuple[str, ...] | None = None
    foreign_key: str | None = None  # "table.column"


@dataclass(frozen=True, slots=True)
class TableContract:
    name: str
    description: str
    primary_key: tuple[str, ...]
    partitioned_by: str  # which timestamp decides the row's day partition
    columns: tuple[Column, ...]

    @property
    def schema(self) -> pl.Schema:
        return pl.Schema({c.name: c.dtype for c in self.columns})


_STATUSES = ("placed", "paid", "shipped", "delivered", "cancelled")
_METHODS = (
    "credit_card",
    "debit_card",
    "wallet",
    "paypal",
    "bnpl",
    "invoice",
    "direct_debit",
    "bank_transfer",
    "pix",
    "boleto",
    "konbini",
    "gift_card",
)
_BRANDS = ("visa", "mastercard", "amex", "discover", "jcb", "cartes_bancaires", "elo")
_CURRENCIES = ("USD", "GBP", "EUR", "BRL", "JPY")

CONTRACTS: dict[str, TableContract] = {
    t.name: t
    for t in (
        TableContract(
            "categories",
            "Product category tree, 2 to 3 levels; created once, in the epoch's partition.",
            ("category_id",),
            "the epoch (opening catalog)",
            (
                Column("category_id", ID, "UUIDv7 of the category."),
                Column(
                    "parent_category_id",
                    ID,
                    "Parent category; null at a root.",
                    nullable=True,
                    foreign_key="categories.category_id",
                ),
                Column("name", pl.String, "Display name."),
                Column("level", pl.Int16, "Depth in the tree: 1 for a root."),
                Column("path", pl.String, "Stable slug path from the root, e.g. apparel/women/dresses."),
                Column("created_at", TS, "When the category was created (before the epoch)."),
            ),
        ),
        TableContract(
            "products",
            "Products listed in one storefront (market), priced in its currency; price fixed at launch.",
            ("product_id",),
            "launched_at (opening catalog: the epoch)",
            (
                Column("product_id", ID, "UUIDv7 of the product, timestamped at launch."),
                Column("sku", pl.String, "Stock keeping unit, unique across the dataset."),
                Column("name", pl.String, "Brand, adjective, material and noun."),
                Column("category_id", ID, "Leaf category.", foreign_key="categories.category_id"),
                Column("brand", pl.String, "Brand name."),
                Column("price", MONEY, "List price in the storefront currency; orders sell at this price."),
                Column("cost", MONEY, "Unit cost, always below price."),
                Column("currency", pl.String, "ISO 4217 currency of the storefront.", enum=_CURRENCIES),
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
            "signup_at (opening base: the epoch)",
            (
                Column("customer_id", ID, "UUIDv7 of the customer, timestamped at sign-up."),
                Column("first_name", pl.String, "Given name from the market's locale."),
                Column("last_name", pl.String, "Family name from the market's locale."),
                Column("email", pl.String, "Email address, unique across the dataset."),
                Column("phone", pl.String, "Phone number valid in the market's numbering plan."),
                Column("gender", pl.String, "Gender used to pick the given name.", enum=("female", "male")),
                Column("birth_date", pl.Date, "Birth date; age at sign-up ~ Normal(35, 12) truncated to 18-90."),
                Column("country", pl.String, "ISO 3166-1 alpha-2 market of the customer."),
                Column("locale", pl.String, "BCP 47 locale of the customer."),
                Column(
                    "segment",
                    pl.String,
                    "consumer, vip (most active 5%) or business (corporate email).",
                    enum=("consumer", "vip", "business"),
                ),
                Column("marketing_consent", pl.Boolean, "Opted in to marketing email."),
                Column(
                    "time_zone",
                    pl.String,
                    "IANA time zone of the customer's default address, e.g. America/Los_Angeles.",
                ),
                Column("signup_at", TS, "Sign-up time (UTC)."),
            ),
        ),
        TableContract(
            "addresses",
            "Customer addresses, created at sign-up, 1 to 3 per customer, exactly one default.",
            ("address_id",),
            "the customer's signup_at",
            (
                Column("address_id", ID, "UUIDv7 of the address."),
                Column("customer_id", ID, "Owner.", foreign_key="customers.customer_id"),
                Column("is_default", pl.Boolean, "The customer's default shipping address."),
                Column("created_at", TS, "Created with the customer at sign-up."),
                Column("line1", pl.String, "Street and number in the market's format."),
                Column("city", pl.String, "City from the geonames gazetteer."),
                Column("region", pl.String, "State, Land, region, prefecture or nation of the city."),
                Column("postal_code", pl.String, "Postal code of the city (a real code or district of it)."),
                Column("country", pl.String, "ISO 3166-1 alpha-2 country."),
            ),
        ),
        TableContract(
            "orders",
            "Orders with the money fixed when placed; partition = day of created_at.",
            ("order_id",),
            "created_at",
            (
                Column("order_id", ID, "UUIDv7 of the order, timestamped at creation."),
                Column(
                    "customer_id",
                    ID,
                    "Customer who signed up before the order.",
                    foreign_key="customers.customer_id",
                ),
                Column(
                    "shipping_address_id",
                    ID,
                    "An address of that customer.",
                    foreign_key="addresses.address_id",
                ),
                Column("created_at", TS, "When the order was placed (UTC)."),
                Column("currency", pl.String, "ISO 4217 currency of the customer's market.", enum=_CURRENCIES),
                Column("item_count", pl.Int16, "Number of order lines."),
                Column("units", pl.Int32, "Sum of quantities over the lines."),
                Column("subtotal", MONEY, "Sum of line totals."),
                Column("discount", MONEY, "Order-level (coupon) discount."),
                Column("tax", MONEY, "Tax on subtotal minus discount at the market's rate."),
                Column("shipping_fee", MONEY, "Shipping fee; zero above the market's free-shipping threshold."),
                Column("total", MONEY, "subtotal - discount + tax + shipping_fee."),
                Column("is_first_order", pl.Boolean, "Placed by a customer on their sign-up day."),
            ),
        ),
        TableContract(
            "order_items",
            "Order lines, partitioned with their order.",
            ("order_item_id",),
            "the order's created_at",
            (
                Column("order_item_id", ID, "UUIDv7 of the line."),
                Column("order_id", ID, "Order.", foreign_key="orders.order_id"),
                Column("line_number", pl.Int16, "1-based position within the order."),
                Column(
                    "product_id",
                    ID,
                    "Active product of the customer's storefront, launched before the order.",
                    foreign_key="products.product_id",
                ),
                Column("quantity", pl.Int32, "Units, at least 1."),
                Column("unit_price", MONEY, "The product's price."),
                Column("discount", MONEY, "Line discount (promotions)."),
                Column("line_total", MONEY, "quantity * unit_price - discount."),
            ),
        ),
        TableContract(
            "order_status_history",
            "Change data capture of each order's status; partition = day of the change.",
            ("order_id", "status"),
            "changed_at",
            (
                Column("order_id", ID, "Order.", foreign_key="orders.order_id"),
                Column(
                    "status",
                    pl.String,
                    "placed -> paid -> shipped -> delivered, or placed -> cancelled.",
                    enum=_STATUSES,
                ),
                Column("changed_at", TS, "When the order entered the status (UTC)."),
            ),
        ),
        TableContract(
            "payments",
            "Immutable payment attempts; every paid order has exactly one captured payment.",
            ("payment_id",),
            "created_at",
            (
                Column("payment_id", ID, "UUIDv7 of the attempt."),
                Column("order_id", ID, "Order.", foreign_key="orders.order_id"),
                Column("attempt", pl.Int16, "1 for the first attempt, 2 for a retry after a decline."),
                Column("method", pl.String, "Payment method.", enum=_METHODS),
                Column("card_brand", pl.String, "Card scheme for card payments.", nullable=True, enum=_BRANDS),
                Column(
                    "card_bin",
                    pl.String,
                    "First 6 digits of a Luhn-valid synthetic card number.",
                    nullable=True,
                ),
                Column("card_last4", pl.String, "Last 4 digits of that number.", nullable=True),
                Column("amount", MONEY, "The order total."),
                Column("currency", pl.String, "Currency of the order.", enum=_CURRENCIES),
                Column("status", pl.String, "failed or captured.", enum=("failed", "captured")),
                Column("failure_reason", pl.String, "Why a failed attempt failed.", nullable=True),
                Column("created_at", TS, "Attempt time; the captured attempt is at the order's paid change."),
            ),
        ),
        TableContract(
            "shipments",
            "One shipment per shipped order; partition = day it ships (delivery is a status change).",
            ("shipment_id",),
            "shipped_at",
            (
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


def _json_type(dtype: DType) -> dict[str, object]:
    if isinstance(dtype, pl.Decimal):
        return {"type": "string", "format": "decimal", "x-precision": dtype.precision, "x-scale": dtype.scale}
    if isinstance(dtype, pl.Datetime):
        return {"type": "string", "format": "date-time", "x-timezone": "UTC", "x-unit": "us"}
    if dtype == pl.Date:
        return {"type": "string", "format": "date"}
    if dtype == pl.Boolean:
        return {"type": "boolean"}
    if dtype.is_integer():
        return {"type": "integer", "x-physical": str(dtype)}
    return {"type": "string"}


def json_schema() -> dict[str, object]:
    """The whole contract as JSON Schema (draft 2020-12), one definition per table."""
    defs = {}
    for name, t in CONTRACTS.items():
        props = {}
        for c in t.columns:
            prop: dict[str, object] = {"description": c.description, **_json_type(c.dtype)}
            if c.name.endswith("_id") and c.dtype == ID:
                prop["format"] = "uuid"
            if c.enum:
                prop["enum"] = list(c.enum)
            if c.nullable:
                prop["type"] = [prop["type"], "null"]
            if c.foreign_key:
                prop["x-foreign-key"] = c.foreign_key
            props[c.name] = prop
        defs[name] = {
            "type": "object",
            "description": t.description,
            "properties": props,
            "required": [c.name for c in t.columns if not c.nullable],
            "additionalProperties": False,
            "x-primary-key": list(t.primary_key),
            "x-partitioned-by": t.partitioned_by,
        }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"ecom_pipeline/contract/{CONTRACT_VERSION}",
        "title": "ecom_pipeline data contract",
        "version": CONTRACT_VERSION,
        "x-partitioning": "hive-style date=YYYY-MM-DD in the path; not a column in the files",
        "$defs": defs,
    }
