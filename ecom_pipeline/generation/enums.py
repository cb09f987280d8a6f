"""Categorical values of the data contract: one enum per categorical column."""

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


CARD_METHODS = frozenset({PaymentMethod.CREDIT_CARD, PaymentMethod.DEBIT_CARD})
# Paid hours or days after the order (the shopper pays at a bank, a kiosk or by voucher), not at checkout.
DEFERRED_METHODS = frozenset({PaymentMethod.BANK_TRANSFER, PaymentMethod.BOLETO, PaymentMethod.KONBINI})


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
