"""The realism scorecard: measured properties of a dataset against the users' asks and published figures.

`scorecard.py` measures frames (pure polars, no I/O); `source.py` gets the frames, by generating a dataset in
memory or reading a generated folder.
"""

from ecom_pipeline.realism.scorecard import Property, failed, score

__all__ = ["Property", "failed", "score"]
