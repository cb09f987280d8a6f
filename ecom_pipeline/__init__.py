"""Synthetic e-commerce data platform."""

__version__ = "0.1.0"
