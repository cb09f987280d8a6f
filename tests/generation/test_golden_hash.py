"""The generator's output is pinned: a SHA-256 per table of `small`, seed 42, 2026-01-01..07, committed beside this
file. Refactoring may not change a byte of it; a change of output comes with a new generator version, and then

    python3 dev.py run python -m tests.generation.test_golden_hash --write

records the new hashes in the same commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import sys
from pathlib import Path

import polars as pl

from ecom_pipeline.generation import SCALES, GeneratorConfig, generate_day
from ecom_pipeline.generation.dataset import GENERATOR_VERSION

GOLDEN = Path(__file__).with_name("golden_small_seed42.json")
DAYS = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(7)]


def table_hashes() -> dict[str, str]:
    """Per table, the SHA-256 of the Arrow IPC bytes of its seven days, concatenated in date order."""
    config = GeneratorConfig(seed=42, scale=SCALES["small"], epoch=DAYS[0])
    parts: dict[str, list[pl.DataFrame]] = {}
    for day in DAYS:
        for table, frame in generate_day(config, day).items():
            parts.setdefault(table, []).append(frame)
    hashes = {}
    for table, frames in sorted(parts.items()):
        buf = io.BytesIO()
        pl.concat(frames).write_ipc(buf)
        hashes[table] = hashlib.sha256(buf.getvalue()).hexdigest()
    return hashes


def test_the_generators_output_matches_the_golden_hashes_of_its_version() -> None:
    golden = json.loads(GOLDEN.read_text())
    assert golden["generator_version"] == GENERATOR_VERSION, (
        f"the generator is version {GENERATOR_VERSION}, the golden hashes are of {golden['generator_version']}: "
        "record the new version's hashes (python -m tests.generation.test_golden_hash --write)"
    )
    changed = {t: h for t, h in table_hashes().items() if golden["tables"].get(t) != h}
    assert not changed, (
        f"generator {GENERATOR_VERSION} writes other bytes for {sorted(changed)}: a change of output needs a new "
        "generator version (and new golden hashes in the same commit)"
    )


if __name__ == "__main__" and sys.argv[1:] == ["--write"]:
    GOLDEN.write_text(json.dumps({"generator_version": GENERATOR_VERSION, "tables": table_hashes()}, indent=2) + "\n")
    print(f"wrote {GOLDEN}")
