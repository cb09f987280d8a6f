"""Specification of the gazetteer (ecom_pipeline.generation.providers.gazetteer): cities whose region and
postal code agree."""

import re
import time

import numpy as np
import polars as pl
import pytest

from ecom_pipeline.generation.calendar import zone
from ecom_pipeline.generation.providers.gazetteer import (
    MARKETS,
    MAX_PLACES,
    Place,
    place_weights,
    places,
    postal_codes,
)

POSTAL_FORMAT = {
    "US": re.compile(r"^\d{5}$"),
    "DE": re.compile(r"^\d{5}$"),
    "FR": re.compile(r"^\d{5}$"),
    "BR": re.compile(r"^\d{5}-\d{3}$"),
    "JP": re.compile(r"^\d{3}-\d{4}$"),
    "GB": re.compile(r"^[A-Z]{1,2}\d{1,2}[A-Z]? \d[A-Z]{2}$"),
}
REGION_CODE_FORMAT = {
    "US": re.compile(r"^US-[A-Z]{2}$"),
    "DE": re.compile(r"^DE-[A-Z]{2}$"),
    "FR": re.compile(r"^FR-([A-Z]{3}|20R)$"),
    "BR": re.compile(r"^BR-[A-Z]{2}$"),
    "JP": re.compile(r"^JP-(0[1-9]|[1-3]\d|4[0-7])$"),
    "GB": re.compile(r"^GB-(ENG|SCT|WLS|NIR)$"),
}
MIN_PLACES = {"US": 50, "GB": 50, "DE": 50, "FR": 50, "BR": 50, "JP": 30}

# The first digit of a ZIP code is the USPS national area, fixed per state.
US_NATIONAL_AREA = {
    "0": "CT MA ME NH NJ RI VT",
    "1": "DE NY PA",
    "2": "DC MD NC SC VA WV",
    "3": "AL FL GA MS TN",
    "4": "IN KY MI OH",
    "5": "IA MN MT ND SD WI",
    "6": "IL KS MO NE",
    "7": "AR LA OK TX",
    "8": "AZ CO ID NM NV UT WY",
    "9": "AK CA HI OR WA",
}
# The first digit of a CEP is the Correios region, fixed per state.
BR_CEP_REGION = {
    "0": "SP",
    "1": "SP",
    "2": "RJ ES",
    "3": "MG",
    "4": "BA SE",
    "5": "PE AL PB RN",
    "6": "CE PI MA PA AP AM RR AC",
    "7": "DF GO TO MT RO MS",
    "8": "PR SC",
    "9": "RS",
}
# Postcode areas that lie wholly in one of the smaller nations; England has none of them.
GB_NATION_AREAS = {
    "GB-SCT": {"AB", "DD", "DG", "EH", "FK", "G", "HS", "IV", "KA", "KW", "KY", "ML", "PA", "PH", "TD", "ZE"},
    "GB-WLS": {"CF", "LD", "LL", "NP", "SA", "SY", "CH"},
    "GB-NIR": {"BT"},
}
TOKYO_WARDS = {
    "Chiyoda", "Chūō", "Minato City", "Shinjuku", "Bunkyō", "Taito", "Sumida", "Kōtō", "Shinagawa",
    "Meguro", "Ōta", "Setagaya", "Shibuya", "Nakano", "Suginami", "Toshima", "Kita", "Arakawa",
    "Itabashi", "Nerima", "Adachi", "Katsushika", "Edogawe",
}  # fmt: skip


def area(stem: str) -> str:
    """'M14' -> 'M', 'SW1' -> 'SW'."""
    return re.match(r"[A-Z]+", stem).group(0)


def place(country: str, city: str) -> Place:
    """The city's most populous place (GeoNames lists Paris's arrondissements as places of their own)."""
    matches = [p for p in places(country) if p.city == city]
    assert matches, f"{city} should be in the {country} gazetteer"
    return matches[0]


def district(country: str, code: str) -> str:
    """The part of a code a place lists: the district before the tail in GB, DE and BR, else the code."""
    return {"GB": code.split(" ")[0], "DE": code[:2], "BR": code[:5]}.get(country, code)


def random_rows(country: str, n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    place_idx = rng.choice(len(places(country)), size=n, p=place_weights(country))
    bits = rng.integers(0, np.iinfo(np.uint64).max, size=n, dtype=np.uint64, endpoint=True)
    return place_idx, bits


# --- places ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("country", MARKETS)
def test_each_market_has_enough_places_but_at_most_the_cap(country):
    assert MIN_PLACES[country] <= len(places(country)) <= MAX_PLACES


@pytest.mark.parametrize("country", MARKETS)
def test_places_are_sorted_by_population_then_name(country):
    keys = [(-p.population, p.city) for p in places(country)]
    assert keys == sorted(keys)
    assert all(p.population > 0 for p in places(country))


@pytest.mark.parametrize("country", MARKETS)
def test_every_city_has_one_region_a_time_zone_and_postal_codes(country):
    region_names: dict[str, set[str]] = {}
    for p in places(country):
        assert p.city and p.region and p.postal_codes and p.time_zone
        assert REGION_CODE_FORMAT[country].match(p.region_code), p
        region_names.setdefault(p.region_code, set()).add(p.region)
        zone(p.time_zone)  # a real IANA zone of the pinned tzdata
    assert all(len(names) == 1 for names in region_names.values()), region_names


def test_us_cities_span_the_four_mainland_time_zones_and_brazil_more_than_one():
    us = {p.time_zone for p in places("US")}
    assert {"America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"} <= us
    assert len({p.time_zone for p in places("BR")}) >= 3
    assert place("US", "Los Angeles").time_zone == "America/Los_Angeles"
    assert place("US", "Chicago").time_zone == "America/Chicago"


@pytest.mark.parametrize("country", MARKETS)
def test_places_are_cached_and_immutable(country):
    assert places(country) is places(country)
    with pytest.raises(AttributeError):
        places(country)[0].city = "Elsewhere"  # type: ignore[misc]


def test_us_zip_codes_start_with_their_states_national_area():
    area_of = {state: digit for digit, states in US_NATIONAL_AREA.items() for state in states.split()}
    for p in places("US"):
        for code in p.postal_codes:
            assert re.fullmatch(r"\d{5}", code) and code[0] == area_of[p.region_code.removeprefix("US-")], p


def test_br_cep_districts_start_with_their_states_correios_region():
    for p in places("BR"):
        for stem in p.postal_codes:
            assert re.fullmatch(r"\d{5}", stem), p
            assert p.region_code.removeprefix("BR-") in BR_CEP_REGION[stem[0]].split(), p


def test_gb_districts_use_a_postcode_area_of_their_nation():
    england_only = set().union(*GB_NATION_AREAS.values()) - {"CH", "SY"}  # CH, SY straddle the border
    for p in places("GB"):
        for stem in p.postal_codes:
            assert re.fullmatch(r"[A-Z]{1,2}\d{1,2}", stem), p
            if p.region_code == "GB-ENG":
                assert area(stem) not in england_only, p
            else:
                assert area(stem) in GB_NATION_AREAS[p.region_code], p


@pytest.mark.parametrize(("country", "pattern"), [("DE", r"\d{2}"), ("FR", r"\d{5}"), ("JP", r"\d{3}-\d{4}")])
def test_codes_and_districts_have_the_countrys_shape(country, pattern):
    assert all(re.fullmatch(pattern, c) for p in places(country) for c in p.postal_codes)


@pytest.mark.parametrize(
    ("country", "city", "region_code", "region", "stem_prefix"),
    [
        ("US", "Los Angeles", "US-CA", "California", "9"),
        ("US", "San Francisco", "US-CA", "California", "941"),
        ("US", "New York City", "US-NY", "New York", "10"),
        ("US", "Brooklyn", "US-NY", "New York", "112"),
        ("US", "Chicago", "US-IL", "Illinois", "60"),
        ("US", "Houston", "US-TX", "Texas", "77"),
        ("US", "Miami", "US-FL", "Florida", "33"),
        ("DE", "Munich", "DE-BY", "Bayern", "8"),
        ("DE", "Nuremberg", "DE-BY", "Bayern", "90"),
        ("DE", "Berlin", "DE-BE", "Berlin", "1"),
        ("DE", "Hamburg", "DE-HH", "Hamburg", "2"),
        ("DE", "Köln", "DE-NW", "Nordrhein-Westfalen", "5"),
        ("DE", "Frankfurt am Main", "DE-HE", "Hessen", "60"),
        ("DE", "Stuttgart", "DE-BW", "Baden-Württemberg", "70"),
        ("DE", "Dresden", "DE-SN", "Sachsen", "01"),
        ("FR", "Paris", "FR-IDF", "Île-de-France", "75"),
        ("FR", "Boulogne-Billancourt", "FR-IDF", "Île-de-France", "92"),
        ("FR", "Marseille", "FR-PAC", "Provence-Alpes-Côte d'Azur", "13"),
        ("FR", "Lyon", "FR-ARA", "Auvergne-Rhône-Alpes", "69"),
        ("FR", "Toulouse", "FR-OCC", "Occitanie", "31"),
        ("FR", "Lille", "FR-HDF", "Hauts-de-France", "59"),
        ("FR", "Ajaccio", "FR-20R", "Corse", "20"),
        ("BR", "São Paulo", "BR-SP", "São Paulo", "0"),
        ("BR", "Vila Mariana", "BR-SP", "São Paulo", "0"),
        ("BR", "Rio de Janeiro", "BR-RJ", "Rio de Janeiro", "2"),
        ("BR", "Belo Horizonte", "BR-MG", "Minas Gerais", "3"),
        ("BR", "Brasília", "BR-DF", "Distrito Federal", "7"),
        ("BR", "Porto Alegre", "BR-RS", "Rio Grande do Sul", "9"),
        ("JP", "新宿区", "JP-13", "東京都", "16"),
        ("JP", "大阪市", "JP-27", "大阪府", "5"),
        ("JP", "横浜市", "JP-14", "神奈川県", "2"),
        ("JP", "名古屋市", "JP-23", "愛知県", "4"),
        ("JP", "札幌市", "JP-01", "北海道", "0"),
        ("JP", "福岡市", "JP-40", "福岡県", "81"),
        ("JP", "那覇市", "JP-47", "沖縄県", "90"),
        ("GB", "Manchester", "GB-ENG", "England", "M"),
        ("GB", "Birmingham", "GB-ENG", "England", "B"),
        ("GB", "Walthamstow", "GB-ENG", "England", "E17"),
        ("GB", "Glasgow", "GB-SCT", "Scotland", "G"),
        ("GB", "Edinburgh", "GB-SCT", "Scotland", "EH"),
        ("GB", "Cardiff", "GB-WLS", "Wales", "CF"),
        ("GB", "Belfast", "GB-NIR", "Northern Ireland", "BT"),
    ],
)
def test_well_known_cities_land_in_the_right_region_with_a_plausible_stem(
    country, city, region_code, region, stem_prefix
):
    p = place(country, city)
    assert (p.region_code, p.region) == (region_code, region)
    assert all(code.startswith(stem_prefix) for code in p.postal_codes), p
    if country == "GB":  # "M" must be the area M, not ML
        assert all(area(code) == area(stem_prefix) for code in p.postal_codes), p


def test_suburbs_do_not_take_their_citys_own_block():
    def in_sao_paulo_block(stem: str) -> bool:
        return "01000" <= stem <= "05999" or "08000" <= stem <= "08499"

    assert all(in_sao_paulo_block(s) for s in place("BR", "São Paulo").postal_codes)
    for suburb in ("Guarulhos", "Osasco", "Santo André", "Campinas"):
        assert not any(in_sao_paulo_block(s) for s in place("BR", suburb).postal_codes), suburb
    for suburb in ("Yonkers", "Buffalo"):
        assert not any("10000" <= z <= "10499" for z in place("US", suburb).postal_codes), suburb


def test_big_cities_spread_over_their_districts():
    london = place("GB", "London").postal_codes
    assert len(london) > 100 and {area(d) for d in london} == {"E", "EC", "N", "NW", "SE", "SW", "W", "WC"}
    assert place("FR", "Paris").postal_codes == (*(f"750{n:02d}" for n in range(1, 21)), "75116")
    assert len(place("BR", "São Paulo").postal_codes) > 50
    assert len(place("US", "New York City").postal_codes) > 50


def test_tokyo_wards_have_postal_codes_from_100_to_208():
    tokyo = [p for p in places("JP") if p.region_code == "JP-13" and p.city.endswith("区")]
    assert len(tokyo) >= 15
    assert all("100" <= c[:3] <= "208" for p in tokyo for c in p.postal_codes), tokyo


def test_japanese_places_are_written_in_japanese():
    script = re.compile(r"^[\u3040-\u30ff\u4e00-\u9fff]+$")
    assert all(script.match(p.city) and script.match(p.region) for p in places("JP"))


def test_paris_inner_suburbs_keep_their_own_departement():
    for city, dept in [
        ("Neuilly-sur-Seine", "92"),
        ("Montreuil", "93"),
        ("Vincennes", "94"),
        ("Cergy", "95"),
    ]:
        assert all(code.startswith(dept) for code in place("FR", city).postal_codes)


# --- place_weights -----------------------------------------------------------------------------------


@pytest.mark.parametrize("country", MARKETS)
def test_place_weights_sum_to_one_and_align_with_places(country):
    weights = place_weights(country)
    assert weights.dtype == np.float64
    assert weights.shape == (len(places(country)),)
    assert np.all(weights > 0)
    assert weights.sum() == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize("country", MARKETS)
def test_big_cities_get_more_customers_but_less_than_their_population_share(country):
    weights = place_weights(country)
    population = np.array([p.population for p in places(country)], dtype=np.float64)
    assert np.all(np.diff(weights) <= 0)  # places are sorted by population
    assert weights[0] < population[0] / population.sum()
    assert weights[0] / weights[-1] == pytest.approx((population[0] / population[-1]) ** 0.8)


# --- postal_codes ------------------------------------------------------------------------------------


@pytest.mark.parametrize("country", MARKETS)
def test_postal_codes_match_the_countrys_format(country):
    codes = postal_codes(country, *random_rows(country, 20_000))
    assert isinstance(codes, pl.Series)
    assert codes.name == "postal_code"
    assert codes.dtype == pl.String
    assert codes.len() == 20_000
    assert codes.null_count() == 0
    assert codes.str.contains(POSTAL_FORMAT[country].pattern).all()


@pytest.mark.parametrize("country", MARKETS)
def test_every_postal_code_is_one_its_place_lists(country):
    place_idx, bits = random_rows(country, 20_000)
    codes = postal_codes(country, place_idx, bits).to_list()
    lists = [places(country)[i].postal_codes for i in place_idx]
    assert all(district(country, code) in codes_ for code, codes_ in zip(codes, lists, strict=True))


@pytest.mark.parametrize("country", MARKETS)
def test_postal_codes_are_deterministic_for_equal_inputs(country):
    place_idx, bits = random_rows(country, 5_000)
    first = postal_codes(country, place_idx, bits)
    again = postal_codes(country, place_idx.copy(), bits.copy())
    assert first.equals(again)
    other = postal_codes(country, *random_rows(country, 5_000, seed=8))
    assert not first.equals(other)


@pytest.mark.parametrize("country", MARKETS)
def test_a_rows_code_depends_on_its_own_bits_only(country):
    place_idx, bits = random_rows(country, 2_000)
    whole = postal_codes(country, place_idx, bits)
    part = postal_codes(country, place_idx[500:700], bits[500:700])
    assert whole.slice(500, 200).equals(part)


def test_the_top_bits_pick_the_district_and_each_tail_symbol_reads_its_own_bit_range():
    idx = np.zeros(4, dtype=np.int64)
    first, second = places("BR")[0].postal_codes[:2]
    bits = np.array([0, 3, 3 << 16, 1 << 48], dtype=np.uint64)
    assert postal_codes("BR", idx, bits).to_list() == [f"{first}-000", f"{first}-300", f"{first}-030", f"{second}-000"]


def test_gb_inward_codes_skip_the_letters_royal_mail_never_uses():
    codes = postal_codes("GB", *random_rows("GB", 20_000))
    inward = codes.str.split(" ").list.get(1)
    assert not inward.str.contains("[CIKMOV]").any()


def test_paris_addresses_spread_over_the_arrondissements():
    paris = places("FR").index(place("FR", "Paris"))
    bits = np.random.default_rng(3).integers(0, np.iinfo(np.uint64).max, size=5_000, dtype=np.uint64)
    codes = postal_codes("FR", np.full(5_000, paris), bits)
    assert codes.n_unique() == 21


def test_postal_codes_of_no_rows_is_an_empty_string_series():
    codes = postal_codes("DE", np.array([], dtype=np.int64), np.array([], dtype=np.uint64))
    assert codes.len() == 0 and codes.dtype == pl.String and codes.name == "postal_code"


def test_postal_codes_rejects_bad_place_indexes_and_misaligned_bits():
    bits = np.zeros(3, dtype=np.uint64)
    with pytest.raises(ValueError, match="out of range"):
        postal_codes("DE", np.array([0, 1, len(places("DE"))]), bits)
    with pytest.raises(ValueError, match="out of range"):
        postal_codes("DE", np.array([0, -1, 2]), bits)
    with pytest.raises(ValueError, match="equally long"):
        postal_codes("DE", np.array([0, 1]), bits)


@pytest.mark.slow
def test_postal_codes_for_two_million_rows_take_well_under_a_second():
    place_idx, bits = random_rows("GB", 2_000_000)
    postal_codes("GB", place_idx[:10], bits[:10])  # warm the caches
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        postal_codes("GB", place_idx, bits)
        best = min(best, time.perf_counter() - start)
    assert best < 1.0


# --- unknown countries -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda: places("XX"),
        lambda: place_weights("XX"),
        lambda: postal_codes("XX", np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.uint64)),
    ],
    ids=["places", "place_weights", "postal_codes"],
)
def test_unknown_country_raises_value_error_naming_it(call):
    with pytest.raises(ValueError, match="'XX'"):
        call()
