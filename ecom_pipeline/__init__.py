"""Synthetic e-commerce data platform."""

__version__ = "0.2.0"
