"""Categorical values of the data contract: one enum per categorical column, defined once.

The contract's columns take their accepted values from these enums (`Column.enum`), and the generator
draws from them, so a value is added or renamed in one place.
"""

from __future__ import annotations

from enum import StrEnum


class Table(StrEnum):
    CATEGORIES = "categories"
    PRODUCTS = "products"
    CUSTOMERS = "customers"
    ADDRESSES = "addresses"
    ORDERS = "orders"
    ORDER_ITEMS = "order_items"
    ORDER_STATUS_HISTORY = "order_status_history"
    PAYMENTS = "payments"
    SHIPMENTS = "shipments"


class OrderStatus(StrEnum):
    PLACED = "placed"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class PaymentStatus(StrEnum):
    FAILED = "failed"
    CAPTURED = "captured"


class PaymentMethod(StrEnum):
    CREDIT_CARD = "credit_card"
    DEBIT_CARD = "debit_card"
    WALLET = "wallet"
    PAYPAL = "paypal"
    BNPL = "bnpl"
    INVOICE = "invoice"
    DIRECT_DEBIT = "direct_debit"
    BANK_TRANSFER = "bank_transfer"
    PIX = "pix"
    BOLETO = "boleto"
    KONBINI = "konbini"
    GIFT_CARD = "gift_card"


class CardBrand(StrEnum):
    VISA = "visa"
    MASTERCARD = "mastercard"
    AMEX = "amex"
    DISCOVER = "discover"
    JCB = "jcb"
    CARTES_BANCAIRES = "cartes_bancaires"
    ELO = "elo"


class Segment(StrEnum):
    CONSUMER = "consumer"
    VIP = "vip"
    BUSINESS = "business"


class Gender(StrEnum):
    FEMALE = "female"
    MALE = "male"


class Currency(StrEnum):
    """ISO 4217 currencies of the storefronts (the generator's markets use exactly these)."""

    USD = "USD"
    GBP = "GBP"
    EUR = "EUR"
    BRL = "BRL"
    JPY = "JPY"
