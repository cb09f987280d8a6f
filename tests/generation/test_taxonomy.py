"""Specification of the product catalog taxonomy (ecom_pipeline.generation.providers.taxonomy)."""

import dataclasses
import math
import re
from collections import defaultdict

import numpy as np
import pytest

from ecom_pipeline.generation.providers.taxonomy import (
    BRAND_SUFFIXES,
    CATEGORIES,
    LEAVES,
    Category,
    LeafProfile,
    leaf_weights,
)

ALLOWED_BRAND_STYLES = {
    "fashion",
    "tech",
    "home",
    "beauty",
    "sport",
    "food",
    "kids",
    "luxury",
    "pet",
    "books",
}
ALLOWED_SEASONS = {"none", "summer", "winter", "holiday"}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

BY_KEY = {c.key: c for c in CATEGORIES}
CHILDREN: dict[str, list[str]] = defaultdict(list)
for _c in CATEGORIES:
    if _c.parent_key is not None:
        CHILDREN[_c.parent_key].append(_c.key)
LEAF_CATEGORIES = [c for c in CATEGORIES if c.key not in CHILDREN]
ROOTS = [c for c in CATEGORIES if c.parent_key is None]


def _root_of(key: str) -> str:
    return key.split("/", 1)[0]


def _share(root: str) -> float:
    return math.fsum(leaf.weight for leaf in LEAVES if _root_of(leaf.key) == root)


def _leaf(key: str) -> LeafProfile:
    return next(leaf for leaf in LEAVES if leaf.key == key)


# ---- tree shape -----------------------------------------------------------------------------------------


def test_category_keys_are_unique():
    keys = [c.key for c in CATEGORIES]
    assert len(keys) == len(set(keys))


def test_keys_are_slug_paths_extending_their_parent_key():
    for c in CATEGORIES:
        segments = c.key.split("/")
        assert all(SLUG.match(s) for s in segments), c.key
        if c.parent_key is None:
            assert len(segments) == 1, c.key
        else:
            assert c.key == f"{c.parent_key}/{segments[-1]}"


def test_every_parent_exists_and_precedes_its_child():
    position = {c.key: i for i, c in enumerate(CATEGORIES)}
    for c in CATEGORIES:
        if c.parent_key is not None:
            assert c.parent_key in position, c.key
            assert position[c.parent_key] < position[c.key], c.key


def test_levels_follow_depth_roots_are_level_one_and_children_one_deeper():
    for c in CATEGORIES:
        if c.parent_key is None:
            assert c.level == 1, c.key
        else:
            assert c.level == BY_KEY[c.parent_key].level + 1, c.key
        assert c.level == c.key.count("/") + 1


def test_tree_is_two_to_three_levels_deep():
    assert max(c.level for c in CATEGORIES) == 3
    assert all(BY_KEY[leaf.key].level in (2, 3) for leaf in LEAF_CATEGORIES)
    assert not any(r.key not in CHILDREN for r in ROOTS), "every root has children"


def test_some_roots_reach_level_three_and_some_stop_at_level_two():
    deepest = {r.key: max(c.level for c in LEAF_CATEGORIES if _root_of(c.key) == r.key) for r in ROOTS}
    assert any(d == 3 for d in deepest.values())
    assert any(d == 2 for d in deepest.values())


def test_tree_has_about_ten_to_twelve_roots_and_forty_to_sixty_leaves():
    assert 10 <= len(ROOTS) <= 12
    assert 40 <= len(LEAVES) <= 60


def test_expected_departments_are_present():
    names = {r.name for r in ROOTS}
    for expected in ("Apparel", "Footwear", "Electronics", "Home & Kitchen", "Books", "Pet Supplies"):
        assert expected in names


def test_display_names_are_non_empty_and_unique_among_siblings():
    siblings: dict[str | None, list[str]] = defaultdict(list)
    for c in CATEGORIES:
        assert c.name and c.name == c.name.strip(), c.key
        siblings[c.parent_key].append(c.name)
    for parent, names in siblings.items():
        assert len(names) == len(set(names)), parent


def test_categories_are_contiguous_subtrees_in_pre_order():
    # each subtree occupies one contiguous run right after its root node
    keys = [c.key for c in CATEGORIES]
    for i, key in enumerate(keys):
        run = [k for k in keys if k == key or k.startswith(key + "/")]
        assert keys[i : i + len(run)] == run, key


# ---- leaves ---------------------------------------------------------------------------------------------


def test_leaves_are_exactly_the_childless_categories_in_category_order():
    assert [leaf.key for leaf in LEAVES] == [c.key for c in LEAF_CATEGORIES]


def test_weights_sum_to_one():
    assert abs(math.fsum(leaf.weight for leaf in LEAVES) - 1.0) <= 1e-9
    assert abs(sum(leaf.weight for leaf in LEAVES) - 1.0) <= 1e-9
    assert all(leaf.weight > 0 for leaf in LEAVES)


def test_leaf_weights_is_float64_aligned_with_leaves_and_sums_to_one():
    w = leaf_weights()
    assert isinstance(w, np.ndarray)
    assert w.dtype == np.float64
    assert w.shape == (len(LEAVES),)
    assert abs(w.sum() - 1.0) <= 1e-9
    np.testing.assert_allclose(w, [leaf.weight for leaf in LEAVES], rtol=1e-12)


def test_leaf_weights_returns_a_fresh_array_each_call():
    w = leaf_weights()
    w[:] = 0.0
    assert abs(leaf_weights().sum() - 1.0) <= 1e-9


def test_department_shares_match_the_target_mix():
    assert 0.35 <= _share("apparel") + _share("footwear") <= 0.40
    assert _share("electronics") == pytest.approx(0.12, abs=0.02)
    assert _share("home-kitchen") == pytest.approx(0.18, abs=0.02)


def test_prices_are_positive_with_sigma_between_0_3_and_0_9():
    for leaf in LEAVES:
        assert leaf.price_median_usd > 0, leaf.key
        assert 0.3 <= leaf.price_sigma <= 0.9, leaf.key


@pytest.mark.parametrize(
    ("key", "low", "high"),
    [
        ("apparel/men/socks-underwear", 6, 20),
        ("apparel/women/jeans", 50, 100),
        ("apparel/women/outerwear", 100, 250),
        ("electronics/computers/laptops", 600, 1400),
        ("electronics/audio/headphones", 70, 200),
        ("home-kitchen/furniture/sofas", 500, 1500),
        ("beauty/makeup", 10, 35),
        ("books/fiction", 10, 30),
        ("grocery/coffee-tea", 8, 25),
        ("pet-supplies/dog-food", 30, 70),
        ("jewelry-watches/watches", 150, 500),
    ],
)
def test_price_medians_are_grounded_in_realistic_figures(key, low, high):
    assert low <= _leaf(key).price_median_usd <= high


def test_cost_ratios_lie_strictly_between_0_2_and_0_9_with_low_below_high():
    for leaf in LEAVES:
        low, high = leaf.cost_ratio
        assert 0.0 < low < high < 1.0, leaf.key
        assert 0.2 < low < high < 0.9, leaf.key


def test_return_rates_are_plausible_and_ordered_by_vertical():
    for leaf in LEAVES:
        assert 0.0 < leaf.return_rate < 0.5, leaf.key

    def mean_rate(root: str) -> float:
        rates = [leaf.return_rate for leaf in LEAVES if _root_of(leaf.key) == root]
        return sum(rates) / len(rates)

    assert mean_rate("footwear") > mean_rate("electronics") > mean_rate("beauty") > mean_rate("grocery")
    assert mean_rate("apparel") == pytest.approx(0.25, abs=0.04)
    assert mean_rate("footwear") == pytest.approx(0.28, abs=0.03)
    assert mean_rate("grocery") == pytest.approx(0.02, abs=0.01)


# ---- pools ----------------------------------------------------------------------------------------------


def _pools(leaf: LeafProfile) -> dict[str, tuple[str, ...]]:
    return {
        "nouns": leaf.nouns,
        "adjectives": leaf.adjectives,
        "sizes": leaf.sizes,
        "colors": leaf.colors,
        "materials": leaf.materials,
    }


def test_every_required_pool_is_non_empty():
    for leaf in LEAVES:
        assert len(leaf.nouns) >= 6, leaf.key
        assert len(leaf.adjectives) >= 6, leaf.key
        assert leaf.colors == () or len(leaf.colors) >= 6, leaf.key
        assert leaf.materials == () or len(leaf.materials) >= 3, leaf.key


def test_pools_are_tuples_of_clean_strings_without_duplicates():
    for leaf in LEAVES:
        for pool_name, pool in _pools(leaf).items():
            assert isinstance(pool, tuple), (leaf.key, pool_name)
            assert all(isinstance(v, str) and v and v == v.strip() for v in pool), (leaf.key, pool_name)
            assert len(pool) == len(set(pool)), (leaf.key, pool_name)


def test_sizes_and_colors_are_empty_only_where_they_do_not_fit():
    for leaf in LEAVES:
        root = _root_of(leaf.key)
        if root in ("apparel", "footwear"):
            assert leaf.sizes and leaf.colors and leaf.materials, leaf.key
        if root == "electronics":
            assert leaf.sizes == (), leaf.key
        if root in ("grocery", "books"):
            assert leaf.colors == () and leaf.materials == (), leaf.key
    assert set(_leaf("home-kitchen/bedding/sheets").sizes) >= {"Twin", "Queen", "King"}
    assert set(_leaf("footwear/sneakers").sizes) >= {str(s) for s in range(36, 47)}


def test_brand_style_and_season_values_are_in_their_allowed_sets():
    for leaf in LEAVES:
        assert leaf.brand_style in ALLOWED_BRAND_STYLES, leaf.key
        assert leaf.season in ALLOWED_SEASONS, leaf.key


def test_seasonality_marks_the_obvious_categories():
    assert _leaf("apparel/women/swimwear").season == "summer"
    assert _leaf("apparel/women/outerwear").season == "winter"
    assert all(leaf.season == "holiday" for leaf in LEAVES if _root_of(leaf.key) == "toys-games")


def test_every_brand_style_has_at_least_four_distinct_suffixes():
    assert set(BRAND_SUFFIXES) == ALLOWED_BRAND_STYLES
    for style, suffixes in BRAND_SUFFIXES.items():
        assert isinstance(suffixes, tuple), style
        assert len(suffixes) >= 4, style
        assert len(suffixes) == len(set(suffixes)), style
        assert all(s and s == s.strip() for s in suffixes), style
    assert {leaf.brand_style for leaf in LEAVES} <= set(BRAND_SUFFIXES)


# ---- immutability ---------------------------------------------------------------------------------------


def test_records_are_frozen_and_slotted():
    with pytest.raises(dataclasses.FrozenInstanceError):
        CATEGORIES[0].name = "x"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        LEAVES[0].weight = 1.0  # type: ignore[misc]
    assert not hasattr(CATEGORIES[0], "__dict__")
    assert not hasattr(LEAVES[0], "__dict__")
    assert isinstance(CATEGORIES, tuple) and all(isinstance(c, Category) for c in CATEGORIES)
    assert isinstance(LEAVES, tuple) and all(isinstance(leaf, LeafProfile) for leaf in LEAVES)
