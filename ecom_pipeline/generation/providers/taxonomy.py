"""Product catalog taxonomy: the category tree and per-leaf realism parameters, read from `data/taxonomy.json`.

The vectorized catalog generator indexes into these pools with numpy (never per-row Python calls), so
everything here is an immutable tuple in a deterministic order:

* ``CATEGORIES`` is the whole tree, parents before children (pre-order), 2 to 3 levels deep.
* ``LEAVES`` holds one :class:`LeafProfile` per leaf category, in the order the leaves appear in
  ``CATEGORIES``; ``leaf_weights()`` is their product share as a float64 array summing to 1.
* ``BRAND_SUFFIXES`` maps each ``brand_style`` to suffixes used to compose brand names.

Prices are list prices in USD (median of a log-normal with the given sigma); return rates are shares of
delivered items returned, in line with published US e-commerce figures per vertical (sources in the file).
"""

import json
from dataclasses import dataclass
from importlib import resources

import numpy as np


@dataclass(frozen=True, slots=True)
class Category:
    key: str  # stable slug path, e.g. "apparel/women/dresses"; unique
    name: str  # display name, e.g. "Dresses"
    parent_key: str | None  # None at the root
    level: int  # 1 = root, 2, 3


@dataclass(frozen=True, slots=True)
class LeafProfile:
    key: str  # key of a leaf Category
    weight: float  # share of the catalog's products in this leaf (weights over all leaves sum to 1)
    price_median_usd: float  # median list price in USD
    price_sigma: float  # log-normal sigma of the price (0.3 .. 0.9)
    cost_ratio: tuple[float, float]  # (low, high) cost/price ratio, both in (0.2, 0.9), low < high
    return_rate: float  # share of delivered items returned
    nouns: tuple[str, ...]  # product nouns, at least 6
    adjectives: tuple[str, ...]  # at least 6, fitting the category
    sizes: tuple[str, ...]  # () where size does not fit
    colors: tuple[str, ...]  # () where color does not fit, else at least 6
    materials: tuple[str, ...]  # () where it does not fit, else at least 3
    brand_style: str  # "fashion","tech","home","beauty","sport","food","kids","luxury","pet","books"
    season: str  # "none","summer","winter","holiday"


def _load() -> dict:
    return json.loads(resources.files("ecom_pipeline.generation").joinpath("data", "taxonomy.json").read_text("utf-8"))


def _profile(leaf: dict) -> LeafProfile:
    return LeafProfile(
        key=leaf["key"],
        weight=leaf["permille"] / 1000.0,  # per-mille in the file, so the weights sum to 1 exactly
        price_median_usd=float(leaf["price_median_usd"]),
        price_sigma=leaf["price_sigma"],
        cost_ratio=tuple(leaf["cost_ratio"]),
        return_rate=leaf["return_rate"],
        nouns=tuple(leaf["nouns"]),
        adjectives=tuple(leaf["adjectives"]),
        sizes=tuple(leaf["sizes"]),
        colors=tuple(leaf["colors"]),
        materials=tuple(leaf["materials"]),
        brand_style=leaf["brand_style"],
        season=leaf["season"],
    )


def _build_categories(branches: dict[str, str], leaves: list[dict]) -> tuple[Category, ...]:
    """Pre-order tree: each inner node is emitted just before the first leaf beneath it."""
    out: list[Category] = []
    seen: set[str] = set()
    for leaf in leaves:
        parts = leaf["key"].split("/")
        for depth in range(1, len(parts) + 1):
            key = "/".join(parts[:depth])
            if key in seen:
                continue
            seen.add(key)
            parent = "/".join(parts[: depth - 1]) or None
            display = leaf["name"] if depth == len(parts) else branches[key]
            out.append(Category(key=key, name=display, parent_key=parent, level=depth))
    return tuple(out)


_DATA = _load()
CATEGORIES: tuple[Category, ...] = _build_categories(_DATA["branches"], _DATA["leaves"])
LEAVES: tuple[LeafProfile, ...] = tuple(_profile(leaf) for leaf in _DATA["leaves"])
BRAND_SUFFIXES: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in _DATA["brand_suffixes"].items()}


def leaf_weights() -> np.ndarray:
    """Product share per leaf as float64, aligned with ``LEAVES``, normalized to sum to 1 (fresh array)."""
    w = np.fromiter((leaf.weight for leaf in LEAVES), dtype=np.float64, count=len(LEAVES))
    return w / w.sum()
