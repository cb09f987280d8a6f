"""The simulated calendar: how busy a day is, and at which hours, in each market's local time."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from functools import cache, lru_cache
from importlib import resources
from zoneinfo import ZoneInfo

import numpy as np

from ecom_pipeline.generation.config import CALIBRATION_DAYS, Calendar, GeneratorConfig
from ecom_pipeline.generation.rng import SortedIndex

UNIX_EPOCH = dt.date(1970, 1, 1)
US_PER_DAY = 86_400_000_000
US_PER_HOUR = 3_600_000_000


def day_ordinal(day: dt.date) -> int:
    """Days since 1970-01-01: the day coordinate of every random draw."""
    return (day - UNIX_EPOCH).days


def ordinal_date(ordinal: int) -> dt.date:
    return UNIX_EPOCH + dt.timedelta(days=int(ordinal))


@cache
def zone(name: str) -> ZoneInfo:
    """A time zone read from the pinned `tzdata` package, not the host's, so offsets never drift."""
    parts = name.split("/")
    with resources.files("tzdata.zoneinfo").joinpath(*parts).open("rb") as fh:
        return ZoneInfo.from_file(fh, key=name)


@cache
def utc_offset_hours(timezone: str, ordinal: int) -> int:
    """The zone's UTC offset (whole hours) at local noon of the day: DST is honoured per day."""
    day = ordinal_date(ordinal)
    noon = dt.datetime(day.year, day.month, day.day, 12, tzinfo=zone(timezone))
    offset = noon.utcoffset()
    assert offset is not None  # an aware datetime always has one
    return int(offset.total_seconds() // 3600)


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th `weekday` (0 = Monday) of a month; n = -1 is the last one."""
    if n < 0:
        nxt = dt.date(year + month // 12, month % 12 + 1, 1)
        last = nxt - dt.timedelta(days=1)
        return last - dt.timedelta(days=(last.weekday() - weekday) % 7)
    first = dt.date(year, month, 1)
    return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def black_friday(year: int) -> dt.date:
    """The day after the fourth Thursday of November."""
    return _nth_weekday(year, 11, 3, 4) + dt.timedelta(days=1)


def _easter(year: int) -> dt.date:
    """Western Easter Sunday (the anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    g = (8 * b + 13) // 25
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    m = (32 + 2 * e + 2 * i - h - k) % 7
    n = (a + 11 * h + 22 * m) // 451
    month, day = divmod(h + m - 7 * n + 114, 31)
    return dt.date(year, month, day + 1)


@cache
def _holiday_rules() -> dict[str, dict]:
    text = resources.files("ecom_pipeline.generation").joinpath("data", "holidays.json").read_text("utf-8")
    return {k: v for k, v in json.loads(text).items() if not k.startswith("_")}


@cache
def public_holidays(country: str, year: int) -> tuple[dt.date, ...]:
    """The market's nationwide public holidays of a year (data/holidays.json), sorted."""
    rules = _holiday_rules().get(country)
    if rules is None:
        return ()
    days = {dt.date(year, int(md[:2]), int(md[3:])) for md in rules["fixed"]}
    days |= {_nth_weekday(year, m, wd, n) for m, wd, n in rules["nth_weekday"]}
    easter = _easter(year)
    days |= {easter + dt.timedelta(days=k) for k in rules["easter"]}
    return tuple(sorted(days))


@lru_cache(maxsize=64)
def carrier_calendar(country: str, first_year: int, last_year: int) -> np.busdaycalendar:
    """Days parcels move: Monday to Saturday, except the market's public holidays."""
    holidays = [d for y in range(first_year, last_year + 1) for d in public_holidays(country, y)]
    return np.busdaycalendar(weekmask="1111110", holidays=np.array(holidays, dtype="datetime64[D]"))


@cache
def special_days(year: int, calendar: Calendar) -> dict[dt.date, float]:
    """Shopping events of a year and their multipliers over an ordinary day of their month."""
    thanksgiving = _nth_weekday(year, 11, 3, 4)  # fourth Thursday of November
    black_friday = thanksgiving + dt.timedelta(days=1)
    days = {
        thanksgiving: calendar.thanksgiving,
        black_friday: calendar.black_friday,
        black_friday + dt.timedelta(days=1): calendar.cyber_weekend,
        black_friday + dt.timedelta(days=2): calendar.cyber_weekend,
        black_friday + dt.timedelta(days=3): calendar.cyber_monday,
        dt.date(year, 12, 24): calendar.christmas_eve,
        dt.date(year, 12, 25): calendar.christmas_day,
    }
    if calendar.scenario == "black_friday_load_test":
        # Friday to Sunday at an exact multiple of an ordinary November day, whatever their weekday weight.
        for k in range(3):
            day = black_friday + dt.timedelta(days=k)
            days[day] = calendar.load_test_multiple / calendar.weekday_weights[day.weekday()]
    for d in range(1, 21):
        days.setdefault(dt.date(year, 12, d), calendar.december_run_up)
    for d in range(26, 32):
        days.setdefault(dt.date(year, 12, d), calendar.post_christmas)
    for d in range(1, 8):
        days.setdefault(dt.date(year, 1, d), calendar.post_christmas)
    return days


def _day_of_month_weight(day: dt.date, c: Calendar) -> float:
    d = day.day
    if d <= 3:
        return c.payday_start
    if 14 <= d <= 16:
        return c.payday_mid
    if 18 <= d <= 23:
        return c.month_lull
    if d >= 25:
        return c.month_end
    return 1.0


@cache
def seasonality(ordinal: int, calendar: Calendar) -> float:
    """Traffic of a day relative to an ordinary day, without the growth trend."""
    day = ordinal_date(ordinal)
    special = special_days(day.year, calendar).get(day)
    # A shopping event replaces the payday rhythm of the month rather than compounding with it.
    rhythm = _day_of_month_weight(day, calendar) if special is None else special
    return calendar.weekday_weights[day.weekday()] * calendar.monthly_weights[day.month - 1] * rhythm


def demand(ordinal: int, config: GeneratorConfig) -> float:
    """Seasonality times the growth trend from the epoch."""
    years = (ordinal - day_ordinal(config.epoch)) / 365.25
    return seasonality(ordinal, config.calendar) * (1 + config.calendar.annual_growth) ** years


@cache
def mean_demand(config: GeneratorConfig) -> float:
    """Average demand over the calibration window: daily rates are scaled by it so totals hit the profile."""
    start = day_ordinal(config.epoch)
    return float(np.mean([demand(start + i, config) for i in range(CALIBRATION_DAYS)]))


def market_offsets(timezones: tuple[str, ...], market: np.ndarray, ordinals: np.ndarray) -> np.ndarray:
    """UTC offset in hours for each row's market on each row's day (a table lookup, no per-row work)."""
    ordinals = np.broadcast_to(np.asarray(ordinals, dtype=np.int64), np.shape(market))
    if ordinals.size == 0:
        return np.empty(0, dtype=np.int64)
    lo, hi = int(ordinals.min()), int(ordinals.max())
    table = _offset_table(timezones, lo, hi)
    return table[market, ordinals - lo]


@lru_cache(maxsize=256)
def _offset_table(timezones: tuple[str, ...], lo: int, hi: int) -> np.ndarray:
    return np.stack([_zone_offsets(tz, lo, hi) for tz in timezones]) if timezones else np.empty((0, hi - lo + 1))


_STEP = 7  # a zone's offset changes at most twice a year: look weekly, then daily inside the changing weeks


def _zone_offsets(timezone: str, lo: int, hi: int) -> np.ndarray:
    """The zone's offset on each day lo..hi (as utc_offset_hours), found without asking for every day."""
    days = np.arange(lo, hi + 1, dtype=np.int64)
    probes = days[::_STEP]
    if probes[-1] != hi:
        probes = np.append(probes, hi)
    at = {int(d): utc_offset_hours(timezone, int(d)) for d in probes}
    out = np.empty(len(days), dtype=np.int64)
    for start, stop in itertools.pairwise(probes.tolist()):
        if at[start] == at[stop]:
            out[start - lo : stop - lo] = at[start]
        else:
            out[start - lo : stop - lo] = [utc_offset_hours(timezone, int(d)) for d in range(start, stop)]
    out[hi - lo] = at[hi]
    return out


@cache
def _offset_cdfs(calendar: Calendar) -> np.ndarray:
    """The UTC-hour CDF of every whole-hour UTC offset -12..+14, offset k's CDF on (k, k + 1]: one sorted array."""
    weights = np.asarray(calendar.hourly_weights)
    out = []
    for k, offset in enumerate(range(_MIN_OFFSET, _MAX_OFFSET + 1)):
        cdf = np.cumsum(weights[(np.arange(24) + offset) % 24])
        out.append(k + cdf / cdf[-1])
    return np.concatenate(out)


@cache
def _offset_index(calendar: Calendar) -> SortedIndex:
    return SortedIndex(_offset_cdfs(calendar))


_MIN_OFFSET, _MAX_OFFSET = -12, 14


def local_peak_times(u_hour: np.ndarray, u_within: np.ndarray, offsets: np.ndarray, calendar: Calendar) -> np.ndarray:
    """Microseconds into the UTC day, following the local-time hourly weights of each row's own offset."""
    k = np.asarray(offsets, dtype=np.int64) - _MIN_OFFSET
    hours = _offset_index(calendar).right(k + u_hour) - 24 * k
    return np.clip(hours, 0, 23) * US_PER_HOUR + (u_within * US_PER_HOUR).astype(np.int64)
