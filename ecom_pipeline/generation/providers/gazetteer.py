"""Gazetteer: cities whose region, time zone and postal codes agree, per market.

The places live in `data/places.csv` (built by `scripts/build_gazetteer.py`, which names the sources: GeoNames
cities with their IANA time zones, USPS ZIP codes, Japan Post codes, and the postal zones of
`data/postal_zones.json`), read once per process. Each place lists the postal codes its addresses use:
complete codes in the US, Japan and France, postal districts in Great Britain, Germany and Brazil, where a
row completes its district with a tail of the country's format (an inward code, the last PLZ digits, a CEP
suffix). A row's code is a pure function of its place and its random bits.
"""

from __future__ import annotations

import csv
import itertools
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import polars as pl

MARKETS = ("US", "GB", "DE", "FR", "BR", "JP")
MAX_PLACES = 400  # per country; the tail of small towns adds names, not realism
WEIGHT_EXPONENT = 0.8  # customers ~ population**0.8: big cities get more customers, not all of them

# Where a place lists districts, the tail after the district: a separator, then one symbol per alphabet.
# A symbol may repeat in its alphabet to weight it; GB inward letters skip C I K M O V.
_DIGITS = "0123456789"
_SUFFIXES: dict[str, tuple[str, tuple[str, ...]]] = {
    "DE": ("", (_DIGITS, _DIGITS, _DIGITS)),
    "BR": ("-", (_DIGITS, _DIGITS, _DIGITS)),
    "GB": (" ", (_DIGITS, "ABDEFGHJLNPQRSTUWXYZ", "ABDEFGHJLNPQRSTUWXYZ")),
}
_BITS_PER_SYMBOL = 16  # symbol i of the tail reads bits [16 i, 16 i + 16) of the row's random word
_PICK_SHIFT = np.uint64(48)  # the code (or district) of the place reads the top 16 bits


@dataclass(frozen=True, slots=True)
class Place:
    city: str  # as written in an address: "Munich", "Köln", "São Paulo", "世田谷区"
    region: str  # state / Land / région / prefecture / nation
    region_code: str  # ISO 3166-2, e.g. "US-CA", "DE-BY", "FR-IDF", "BR-SP", "JP-13", "GB-ENG"
    time_zone: str  # IANA name of the place's zone
    postal_codes: tuple[str, ...]  # complete codes, or districts completed by the country's tail
    population: int
    phone_areas: tuple[str, ...]  # telephone area codes (US), empty where the number plan is national

    @property
    def postal_stem(self) -> str:
        """The common leading part of the place's codes (at least the first character)."""
        stem = self.postal_codes[0]
        for code in self.postal_codes[1:]:
            while not code.startswith(stem):
                stem = stem[:-1]
        return stem


@cache
def _all_places() -> dict[str, tuple[Place, ...]]:
    text = resources.files("ecom_pipeline.generation").joinpath("data", "places.csv").read_text("utf-8")
    out: dict[str, list[Place]] = {}
    for row in csv.DictReader(text.splitlines()):
        out.setdefault(row["country"], []).append(
            Place(
                city=row["city"],
                region=row["region"],
                region_code=row["region_code"],
                time_zone=row["time_zone"],
                postal_codes=tuple(row["postal_codes"].split()),
                population=int(row["population"]),
                phone_areas=tuple(row["phone_areas"].split()),
            )
        )
    return {country: tuple(p) for country, p in out.items()}


def places(country: str) -> tuple[Place, ...]:
    """The country's gazetteer: its largest cities (at most MAX_PLACES), sorted by population (descending).

    Raises ValueError for a country outside MARKETS."""
    try:
        return _all_places()[country]
    except KeyError:
        raise ValueError(f"unknown country {country!r}: the gazetteer covers {', '.join(MARKETS)}") from None


def place_weights(country: str) -> np.ndarray:
    """How likely a customer lives in each place, aligned with places(country): proportional to
    population**0.8, so big cities get more customers, but not all of them. float64, sums to 1."""
    population = np.array([p.population for p in places(country)], dtype=np.float64)
    weights = population**WEIGHT_EXPONENT
    return weights / weights.sum()


# --- Postal codes for rows ------------------------------------------------------------------------------


@cache
def _code_table(country: str) -> tuple[pl.Series, np.ndarray, np.ndarray]:
    """Every place's codes stacked, with each place's offset and count."""
    ps = places(country)
    counts = np.array([len(p.postal_codes) for p in ps], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    codes = pl.Series("postal_code", [c for p in ps for c in p.postal_codes], dtype=pl.String)
    return codes, offsets, counts


@cache
def _suffix_table(country: str) -> pl.Series:
    """Every possible tail, in mixed-radix order of the alphabets (at most 10,000 strings)."""
    separator, alphabets = _SUFFIXES[country]
    return pl.Series("suffix", [separator + "".join(s) for s in itertools.product(*alphabets)], dtype=pl.String)


def postal_codes(country: str, place_idx: np.ndarray, bits: np.ndarray) -> pl.Series:
    """The postal code of each row: one of its place's codes (or districts, completed by a tail).

    `place_idx` indexes places(country); `bits` is one uint64 per row: its top 16 bits pick the code, each
    tail symbol reads its own 16-bit slice below, so the code depends on the row alone. Vectorized.
    """
    place_idx = np.asarray(place_idx)
    bits = np.asarray(bits).astype(np.uint64, copy=False)
    if place_idx.shape != bits.shape or place_idx.ndim != 1:
        raise ValueError(f"place_idx and bits must be 1-d and equally long, got {place_idx.shape}, {bits.shape}")
    n_places = len(places(country))
    if place_idx.size and (place_idx.min() < 0 or place_idx.max() >= n_places):
        raise ValueError(f"place_idx out of range for {country}'s {n_places} places")
    return postal_codes_of_places((country,), place_idx, bits)


@dataclass(frozen=True, slots=True)
class _StackedCodes:
    """The codes of several countries' places stacked (places in `places(c)` order, countries in order),
    and every country's tails after one empty tail."""

    codes: pl.Series
    offset: np.ndarray  # per stacked place: its first code
    count: np.ndarray  # per stacked place: how many codes it lists
    country: np.ndarray  # per stacked place: index of its country
    tails: pl.Series
    tail_offset: tuple[int, ...]  # per country: its first tail (0, the empty one, where it has none)


@cache
def _stacked_codes(countries: tuple[str, ...]) -> _StackedCodes:
    codes, offset, count, country, tails, tail_offset = [], [], [], [], [pl.Series([""], dtype=pl.String)], []
    total, total_tails = 0, 1
    for i, c in enumerate(countries):
        c_codes, c_offsets, c_counts = _code_table(c)
        codes.append(c_codes)
        offset.append(c_offsets + total)
        count.append(c_counts)
        country.append(np.full(len(c_counts), i, dtype=np.int64))
        total += len(c_codes)
        if c in _SUFFIXES:
            tails.append(_suffix_table(c))
            tail_offset.append(total_tails)
            total_tails += len(tails[-1])
        else:
            tail_offset.append(0)
    return _StackedCodes(
        codes=pl.concat(codes, rechunk=True) if codes else pl.Series([], dtype=pl.String),
        offset=np.concatenate(offset) if offset else np.zeros(0, np.int64),
        count=np.concatenate(count) if count else np.zeros(0, np.int64),
        country=np.concatenate(country) if country else np.zeros(0, np.int64),
        tails=pl.concat(tails, rechunk=True),
        tail_offset=tuple(tail_offset),
    )


def postal_codes_of_places(countries: tuple[str, ...], place_idx: np.ndarray, bits: np.ndarray) -> pl.Series:
    """`postal_codes` for rows of several countries at once: `place_idx` indexes the countries' places stacked
    in order (places(countries[0]), then places(countries[1]), ...). Each row's code is the one postal_codes
    gives it in its own country."""
    table = _stacked_codes(countries)
    place_idx = np.asarray(place_idx, dtype=np.int64)
    bits = np.asarray(bits).astype(np.uint64, copy=False)
    pick = ((bits >> _PICK_SHIFT) % table.count[place_idx].astype(np.uint64)).astype(np.int64)
    chosen = table.codes.gather(table.offset[place_idx] + pick)
    with_tails = [(i, c) for i, c in enumerate(countries) if c in _SUFFIXES]
    if not with_tails:
        return chosen.alias("postal_code")
    tail = np.zeros(len(place_idx), dtype=np.int64)  # the empty tail
    country = table.country[place_idx]
    for i, c in with_tails:
        rows = np.flatnonzero(country == i)
        if rows.size:
            tail[rows] = table.tail_offset[i] + _tail_index(c, bits[rows])
    return (chosen + table.tails.gather(tail)).alias("postal_code")


def _tail_index(country: str, bits: np.ndarray) -> np.ndarray:
    """Position in _suffix_table(country) of each row's tail: symbol i reads bits [16 i, 16 i + 16)."""
    _, alphabets = _SUFFIXES[country]
    suffix_idx = np.zeros(bits.shape, dtype=np.uint64)
    for i, alphabet in enumerate(alphabets):
        symbol = (bits >> np.uint64(_BITS_PER_SYMBOL * i)) & np.uint64((1 << _BITS_PER_SYMBOL) - 1)
        suffix_idx = suffix_idx * np.uint64(len(alphabet)) + symbol % np.uint64(len(alphabet))
    return suffix_idx.astype(np.int64)


@cache
def _valid_table() -> pl.DataFrame:
    rows = [
        (country, p.city, p.region, code) for country in MARKETS for p in places(country) for code in p.postal_codes
    ]
    return pl.DataFrame(rows, schema=["country", "city", "region", "code"], orient="row").unique()


def district(country: pl.Expr, code: pl.Expr) -> pl.Expr:
    """The part of a code a place lists: the whole code, or the district before the country's tail."""
    expr = code
    for c, (separator, alphabets) in _SUFFIXES.items():
        cut = code.str.slice(0, code.str.len_chars() - len(separator) - len(alphabets))
        expr = pl.when(country == c).then(cut).otherwise(expr)
    return expr


def valid_postal_codes(addresses: pl.DataFrame) -> pl.Series:
    """Whether each address's postal code is one its city lists (country, city, region, postal_code)."""
    keyed = addresses.select(
        "country", "city", "region", district(pl.col("country"), pl.col("postal_code")).alias("code")
    ).with_row_index("_i")
    hit = keyed.join(_valid_table(), on=["country", "city", "region", "code"], how="semi")["_i"]
    return pl.Series("valid", np.isin(np.arange(addresses.height), hit.to_numpy()))
