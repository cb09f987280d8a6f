"""Categorical values of the data contract (defined in `ecom_pipeline.contract.enums`), and the generator's
groupings of them."""

from __future__ import annotations

from ecom_pipeline.contract.enums import (
    CardBrand,
    Currency,
    Gender,
    OrderStatus,
    PaymentMethod,
    PaymentStatus,
    Segment,
    Table,
)

CARD_METHODS = frozenset({PaymentMethod.CREDIT_CARD, PaymentMethod.DEBIT_CARD})
# Paid hours or days after the order (the shopper pays at a bank, a kiosk or by voucher), not at checkout.
DEFERRED_METHODS = frozenset({PaymentMethod.BANK_TRANSFER, PaymentMethod.BOLETO, PaymentMethod.KONBINI})

__all__ = [
    "CARD_METHODS",
    "DEFERRED_METHODS",
    "CardBrand",
    "Currency",
    "Gender",
    "OrderStatus",
    "PaymentMethod",
    "PaymentStatus",
    "Segment",
    "Table",
]
