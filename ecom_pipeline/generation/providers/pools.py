"""Pools of realistic values, read once per process from mimesis's locale data and `data/contacts.json`.

Rows never call mimesis: they index into these pools with counter-based random integers, which keeps
generation vectorized and makes a value depend only on its row, not on how many values came before it.
The pools are sorted so that their order does not depend on the data files' order.

Where an email is built from a name, the name pools hold one spelling per email slug (so two names never
write the same address) and the female and male pools are equally long: a customer's (gender, first name,
last name) is then a bijection of their position in the dataset (`NamePlan`), and `first.last@domain` is
unique without a number.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import polars as pl

from ecom_pipeline.generation.rng import SortedIndex

# Street layout of line1 per market, in mimesis's placeholders.
LINE1_FORMATS = {
    "US": "{st_num} {st_name} {st_sfx}",
    "GB": "{st_num} {st_name} {st_sfx}",
    "DE": "{st_name} {st_num}",
    "FR": "{st_num} {st_sfx} {st_name}",
    "BR": "{st_name}, {st_num}",
    "JP": "{st_name}{st_sfx} {st_num}",
}
# A word in these names marks a US street (or a US suffix): never in a British address.
_US_ONLY = re.compile(r"\b(Ranch|Loop|Bayou|Canyon|Fork|Creek|Prairie|Pike|Expressway|Freeway|Turnpike)\b")


_NOT_A_TO_Z = re.compile(r"[^a-z]")


@cache
def slug(text: str) -> str:
    """ASCII lowercase letters only: the name part of an email local part ('' for non-Latin names)."""
    if not text.isascii():  # ASCII text has no compatibility decomposition: NFKD leaves it as it is
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_A_TO_Z.sub("", text.lower())


@cache
def contacts() -> dict:
    text = resources.files("ecom_pipeline.generation").joinpath("data", "contacts.json").read_text("utf-8")
    return json.loads(text)


@dataclass(frozen=True, slots=True)
class LocalePools:
    female_first: pl.Series
    male_first: pl.Series
    last: pl.Series
    street_names: pl.Series
    street_suffixes: tuple[tuple[str, float], ...]
    company_slugs: pl.Series
    latin: bool  # names have a Latin spelling (slugs), so emails are built from them


def _sorted_unique(values: list[str]) -> list[str]:
    return sorted({v.strip() for v in values if v and v.strip()})


def _one_per_slug(names: list[str], taken: AbstractSet[str] = frozenset()) -> list[str]:
    """The first name of each email slug (sorted order), leaving out slugs already `taken` or empty."""
    out, seen = [], set(taken)
    for name in names:
        s = slug(name)
        if s and s not in seen:
            seen.add(s)
            out.append(name)
    return out


def _evenly(names: list[str], k: int) -> list[str]:
    """k names spread evenly over a sorted pool (not its first k letters of the alphabet)."""
    if len(names) <= k:
        return names
    return [names[i * len(names) // k] for i in range(k)]


@cache
def locale_pools(country: str, mimesis_locale: str) -> LocalePools:
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
    own = contacts()["surnames"].get(country)
    last = _sorted_unique(own["names"] if own else surnames)
    female, male = _sorted_unique(names["female"]), _sorted_unique(names["male"])
    latin = sum(bool(slug(x)) for x in last) > len(last) // 2
    if latin:
        female = _one_per_slug(female)
        male = _one_per_slug(male, taken={slug(x) for x in female})
        last = _one_per_slug(last)
    k = min(len(female), len(male))
    companies = sorted({s for c in finance["company"]["name"] if len(s := slug(c)) >= 3})
    if len(companies) < 20:
        en_finance = Finance(Locale.EN)._dataset
        companies = sorted({s for c in en_finance["company"]["name"] if len(s := slug(c)) >= 3})
    street = address["street"]
    streets = _sorted_unique(street["name"])
    suffix_data = contacts()["street_suffixes"].get(country)
    if suffix_data:
        suffixes = tuple((v, float(w)) for v, w in suffix_data["values"])
    else:
        suffixes = tuple((v, 1.0) for v in (_sorted_unique(street.get("suffix", [])) or [""]))
    if country == "GB":
        streets = [s for s in streets if not _US_ONLY.search(s)]
    return LocalePools(
        female_first=pl.Series("female_first", _evenly(female, k)),
        male_first=pl.Series("male_first", _evenly(male, k)),
        last=pl.Series("last", last),
        street_names=pl.Series("street_names", streets),
        street_suffixes=suffixes,
        company_slugs=pl.Series("company_slugs", companies),
        latin=latin,
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
    index: SortedIndex  # of cdf

    def pick(self, market: np.ndarray, u: np.ndarray) -> np.ndarray:
        idx = self.index.right(market + u)
        return np.minimum(idx, len(self.cdf) - 1)


def stack_weighted(tables: list[tuple[tuple[str, float], ...]], name: str) -> WeightedStacked:
    values: list[str] = []
    segments: list[np.ndarray] = []
    for m, table in enumerate(tables):
        w = np.array([x for _, x in table], dtype=np.float64)
        values += [str(v) for v, _ in table]
        segment = m + np.cumsum(w) / w.sum()
        segment[-1] = m + 1  # exact, so rounding never lets a pick spill into the next market
        segments.append(segment)
    cdf = np.concatenate(segments)
    return WeightedStacked(pl.Series(name, values, dtype=pl.String), cdf, SortedIndex(cdf))


@dataclass(frozen=True, slots=True)
class NamePlan:
    """Per market, a bijection from a customer's position in the dataset to (gender, first, last name).

    c = (a * g + b) mod n over n = 2 * first names * last names: distinct positions below n get distinct
    names (and so distinct `first.last`), positions beyond n reuse them (their emails then carry a number).
    """

    n: np.ndarray
    a: np.ndarray
    b: np.ndarray


def _coprime_step(n: int) -> int:
    a = max(int(n * 0.6180339887) | 1, 1)
    while math.gcd(a, n) != 1:
        a += 2
    return a


@dataclass(frozen=True, slots=True)
class MarketPools:
    female_first: Stacked  # equally long per market as male_first
    male_first: Stacked
    last: Stacked
    female_first_slug: pl.Series
    male_first_slug: pl.Series
    first_names: pl.Series  # female_first's values, then male_first's
    first_slugs: pl.Series  # their slugs, aligned
    last_slug: pl.Series
    email_heads: pl.Series  # first_slugs, their initials, then handle_words(): before an email's separator
    email_tails: pl.Series  # last_slug, then handle_words(): after it
    last_owned: np.ndarray  # the market is the first (in config order) whose pool has this slug
    latin: np.ndarray  # per market
    names: NamePlan
    company_slugs: Stacked
    phone_templates: WeightedStacked
    phone_prefix: tuple[str, ...]  # per market, '{area}' where the area code goes
    free_mail: WeightedStacked
    free_mail_exclusive: np.ndarray  # per free_mail value: no other market offers that domain
    streets: Stacked
    street_suffixes: WeightedStacked


@cache
def market_pools(countries: tuple[str, ...], mimesis_locales: tuple[str, ...], free_mail: tuple) -> MarketPools:
    """All markets' pools stacked (markets in config order)."""
    per = [locale_pools(c, loc) for c, loc in zip(countries, mimesis_locales, strict=True)]
    female = stack([p.female_first.to_list() for p in per], "first_name")
    male = stack([p.male_first.to_list() for p in per], "first_name")
    last = stack([p.last.to_list() for p in per], "last_name")
    last_slugs = [slug(x) for x in last.values.to_list()]
    owner: dict[str, int] = {}
    market_of = np.repeat(np.arange(len(per)), last.size)
    for s, m in zip(last_slugs, market_of.tolist(), strict=True):
        owner.setdefault(s, m)
    n = 2 * female.size * last.size
    phones = contacts()["phones"]
    female_slugs = pl.Series([slug(x) for x in female.values.to_list()], dtype=pl.String)
    male_slugs = pl.Series([slug(x) for x in male.values.to_list()], dtype=pl.String)
    first_slugs = pl.concat([female_slugs, male_slugs])
    last_slug = pl.Series(last_slugs, dtype=pl.String)
    return MarketPools(
        female_first=female,
        male_first=male,
        last=last,
        female_first_slug=female_slugs,
        male_first_slug=male_slugs,
        first_names=pl.concat([female.values, male.values]),
        first_slugs=first_slugs,
        last_slug=last_slug,
        email_heads=pl.concat([first_slugs, first_slugs.str.slice(0, 1), handle_words()], rechunk=True),
        email_tails=pl.concat([last_slug, handle_words()], rechunk=True),
        last_owned=np.array([owner[s] == m for s, m in zip(last_slugs, market_of, strict=True)], dtype=bool),
        latin=np.array([p.latin for p in per], dtype=bool),
        names=NamePlan(n=n, a=np.array([_coprime_step(int(x)) for x in n]), b=n // 3),
        company_slugs=stack([p.company_slugs.to_list() for p in per], "company"),
        phone_templates=stack_weighted(
            [tuple((t, float(w)) for t, w in phones[c]["templates"]) for c in countries], "phone_template"
        ),
        phone_prefix=tuple(phones[c]["prefix"] for c in countries),
        free_mail=stack_weighted(list(free_mail), "free_mail"),
        free_mail_exclusive=np.array(
            [sum(d in {x for x, _ in table} for table in free_mail) == 1 for table in free_mail for d, _ in table]
        ),
        streets=stack([p.street_names.to_list() for p in per], "street"),
        street_suffixes=stack_weighted([p.street_suffixes for p in per], "street_suffix"),
    )
