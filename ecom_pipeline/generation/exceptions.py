"""Errors the generation library raises for bad configuration or requests (defined with the project's others)."""

from ecom_pipeline.errors import GenerationError

__all__ = ["GenerationError"]
