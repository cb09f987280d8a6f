"""Row arithmetic written once as text (`subtotal - discount + tax + shipping_fee`), read as polars or SQL.

The grammar is the common part of both: column names, `+`, `-`, `*` and parentheses, with the usual
precedence and left associativity. The text is valid SQL as it stands; `to_polars` builds the same tree.
"""

from __future__ import annotations

import re

import polars as pl

_TOKEN = re.compile(r"\s*(?:([a-z_][a-z0-9_]*)|([-+*()]))")


def tokens(expression: str) -> list[str]:
    out, pos = [], 0
    text = expression.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise ValueError(f"cannot read {expression!r} at {text[pos:]!r}")
        out.append(match.group(1) or match.group(2))
        pos = match.end()
    return out


def columns(expression: str) -> list[str]:
    """The column names the expression reads, in order of appearance."""
    return [t for t in tokens(expression) if t not in "+-*()"]


def to_polars(expression: str) -> pl.Expr:
    """The expression as a polars expression of `pl.col(...)` (same tree, so the same decimal arithmetic)."""
    items = tokens(expression)
    pos = 0

    def peek() -> str | None:
        return items[pos] if pos < len(items) else None

    def take() -> str:
        nonlocal pos
        if pos >= len(items):
            raise ValueError(f"{expression!r} ends early")
        pos += 1
        return items[pos - 1]

    def atom() -> pl.Expr:
        token = take()
        if token == "(":
            inner = sum_()
            if take() != ")":
                raise ValueError(f"unbalanced parentheses in {expression!r}")
            return inner
        if token in "+-*)":
            raise ValueError(f"unexpected {token!r} in {expression!r}")
        return pl.col(token)

    def product() -> pl.Expr:
        value = atom()
        while peek() == "*":
            take()
            value = value * atom()
        return value

    def sum_() -> pl.Expr:
        value = product()
        while peek() in ("+", "-"):
            op = take()
            value = value + product() if op == "+" else value - product()
        return value

    result = sum_()
    if pos != len(items):
        raise ValueError(f"unexpected {items[pos]!r} in {expression!r}")
    return result
