"""Errors the generation library raises for bad configuration or requests."""


class GenerationError(ValueError):
    """A request the generator cannot honour; the message names the offending value."""
