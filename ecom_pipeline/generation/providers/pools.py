"""Pools of realistic values, read once per process from mimesis's locale data.

Rows never call mimesis: they index into these pools with counter-based random integers, which keeps
generation vectorized and makes a value depend only on its row, not on how many values came before it.
The pools are sorted so that their order does not depend on the data files' order.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

import numpy as np
import polars as pl

# GB premium, personal and freephone ranges are no customer's phone.
_EXCLUDED_PHONE = re.compile(r"^(08|09|05|070)")
# Street layout of line1 per market, in mimesis's placeholders.
LINE1_FORMATS = {
    "US": "{st_num} {st_name} {st_sfx}",
    "GB": "{st_num} {st_name} {st_sfx}",
    "DE": "{st_name} {st_num}",
    "FR": "{st_num} {st_sfx} {st_name}",
    "BR": "{st_name}, {st_num}",
    "JP": "{st_name}{st_sfx} {st_num}",
}


def slug(text: str) -> str:
    """ASCII lowercase letters only: the name part of an email local part ('' for non-Latin names)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", ascii_text.lower())


@dataclass(frozen=True, slots=True)
class LocalePools:
    female_first: pl.Series
    male_first: pl.Series
    last: pl.Series
    female_first_slug: pl.Series
    male_first_slug: pl.Series
    last_slug: pl.Series
    street_names: pl.Series
    street_suffixes: pl.Series
    phone_formats: tuple[str, ...]
    company_slugs: pl.Series


def _sorted_unique(values: list[str]) -> list[str]:
    return sorted({v.strip() for v in values if v and v.strip()})


@cache
def locale_pools(mimesis_locale: str) -> LocalePools:
    from mimesis import Address, Finance, Person
    from mimesis.locales import Locale

    loc = Locale(mimesis_locale)
    person = Person(loc)._dataset
    address = Address(loc)._dataset
    finance = Finance(loc)._dataset
    names = person["names"]
    surnames = person["surnames"]
    if isinstance(surnames, dict):
        surnames = [s for group in surnames.values() for s in group]
    female = _sorted_unique(names["female"])
    male = _sorted_unique(names["male"])
    last = _sorted_unique(surnames)
    companies = sorted({slug(c) for c in finance["company"]["name"]} - {""})
    if len(companies) < 20:
        en_finance = Finance(Locale.EN)._dataset
        companies = sorted({slug(c) for c in en_finance["company"]["name"]} - {""})
    phones = tuple(sorted(f for f in person["telephone_fmt"] if not _EXCLUDED_PHONE.match(f)))
    street = address["street"]
    suffixes = _sorted_unique(street.get("suffix", []))
    return LocalePools(
        female_first=pl.Series("female_first", female),
        male_first=pl.Series("male_first", male),
        last=pl.Series("last", last),
        female_first_slug=pl.Series("female_first_slug", [slug(x) for x in female]),
        male_first_slug=pl.Series("male_first_slug", [slug(x) for x in male]),
        last_slug=pl.Series("last_slug", [slug(x) for x in last]),
        street_names=pl.Series("street_names", _sorted_unique(street["name"])),
        street_suffixes=pl.Series("street_suffixes", suffixes or [""]),
        phone_formats=phones,
        company_slugs=pl.Series("company_slugs", companies),
    )


@cache
def handle_words() -> pl.Series:
    """Latin words for email handles where names have no Latin spelling, and for brand names."""
    from mimesis import Text
    from mimesis.locales import Locale

    words = sorted({slug(w) for w in Text(Locale.EN)._dataset["words"]} - {""})
    return pl.Series("words", [w for w in words if 3 <= len(w) <= 9])


@dataclass(frozen=True, slots=True)
class Stacked:
    """Per-market pools stacked into one series, so a whole column is one gather, not one per market."""

    values: pl.Series
    offset: np.ndarray  # start of each market's pool
    size: np.ndarray  # length of each market's pool

    def pick(self, market: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Global index of a uniform pick within each row's market pool."""
        return self.offset[market] + (u * self.size[market]).astype(np.int64)


def stack(pools: list[list[str]], name: str) -> Stacked:
    sizes = np.array([len(p) for p in pools], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    return Stacked(pl.Series(name, [v for p in pools for v in p], dtype=pl.String), offsets, sizes)


@dataclass(frozen=True, slots=True)
class WeightedStacked:
    """Per-market weighted choices stacked: market m's CDF occupies (m, m + 1] of one sorted array."""

    values: pl.Series
    cdf: np.ndarray

    def pick(self, market: np.ndarray, u: np.ndarray) -> np.ndarray:
        idx = np.searchsorted(self.cdf, market + u, side="right")
        return np.minimum(idx, len(self.cdf) - 1)


def stack_weighted(tables: list[tuple[tuple[str, float], ...]], name: str) -> WeightedStacked:
    values, cdf = [], []
    for m, table in enumerate(tables):
        w = np.array([x for _, x in table], dtype=np.float64)
        values += [str(v) for v, _ in table]
        segment = m + np.cumsum(w) / w.sum()
        segment[-1] = m + 1  # exact, so rounding never lets a pick spill into the next market
        cdf.append(segment)
    return WeightedStacked(pl.Series(name, values, dtype=pl.String), np.concatenate(cdf))


@dataclass(frozen=True, slots=True)
class MarketPools:
    female_first: Stacked
    male_first: Stacked
    last: Stacked
    female_first_slug: pl.Series
    male_first_slug: pl.Series
    last_slug: pl.Series
    company_slugs: Stacked
    phone_formats: Stacked
    free_mail: WeightedStacked
    streets: Stacked
    street_suffixes: Stacked


@cache
def market_pools(mimesis_locales: tuple[str, ...], free_mail: tuple) -> MarketPools:
    """All markets' pools stacked (markets in config order)."""
    per = [locale_pools(loc) for loc in mimesis_locales]
    female = stack([p.female_first.to_list() for p in per], "first_name")
    male = stack([p.male_first.to_list() for p in per], "first_name")
    last = stack([p.last.to_list() for p in per], "last_name")
    return MarketPools(
        female_first=female,
        male_first=male,
        last=last,
        female_first_slug=pl.Series([slug(x) for x in female.values.to_list()], dtype=pl.String),
        male_first_slug=pl.Series([slug(x) for x in male.values.to_list()], dtype=pl.String),
        last_slug=pl.Series([slug(x) for x in last.values.to_list()], dtype=pl.String),
        company_slugs=stack([p.company_slugs.to_list() for p in per], "company"),
        phone_formats=stack([list(p.phone_formats) for p in per], "phone_format"),
        free_mail=stack_weighted(list(free_mail), "free_mail"),
        streets=stack([p.street_names.to_list() for p in per], "street"),
        street_suffixes=stack([p.street_suffixes.to_list() for p in per], "street_suffix"),
    )
