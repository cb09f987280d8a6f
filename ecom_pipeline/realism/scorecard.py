"""Measure a dataset's realism: one row per property, with its target, source, tolerance and verdict.

Pure: frames in (one per table, each with the partition `date`), properties out. Calendar properties count
orders by partition day (the UTC day, as the lake is partitioned); hourly properties use each customer's
own time zone. Where the data cannot show a property (no Black Friday in the window, too few rows), the
verdict is `n/a`, never a pass by default. A tolerance widens by three standard errors of the measurement,
so a small dataset is not failed for its sampling noise.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import polars as pl

from ecom_pipeline.generation.calendar import black_friday, carrier_calendar, public_holidays
from ecom_pipeline.generation.config import GeneratorConfig

PASS, FAIL, NA, INFO = "pass", "fail", "n/a", "info"
MIN_ROWS = 200  # fewer rows than this in a group: the group is not judged
MIN_EFFECTIVE = 100  # customers (Kish's effective count) before a market's payment mix is judged
MIN_LINES = 2_000  # order lines of a storefront before its top product's share is judged
MIN_ZONE_ROWS = 1_000  # orders of a time zone before its hourly profile is judged
PHONE_SAMPLE = 20_000  # phone numbers checked per country (every k-th row beyond that)


@dataclass(frozen=True, slots=True)
class Property:
    """One line of the scorecard."""

    name: str
    target: str
    source: str
    measured: str
    tolerance: str
    verdict: str
    value: float | None = None

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@cache
def targets() -> dict[str, dict]:
    text = resources.files("ecom_pipeline.realism").joinpath("targets.json").read_text("utf-8")
    return {k: v for k, v in json.loads(text).items() if not k.startswith("_")}


def failed(properties: list[Property]) -> list[Property]:
    return [p for p in properties if p.verdict == FAIL]


def _effective(frame: pl.DataFrame) -> float:
    """Kish's effective sample size of rows clustered by customer: a heavy buyer's orders are alike."""
    per = frame.group_by("customer_id").len()["len"].cast(pl.Float64)
    return _num(per.sum()) ** 2 / _num((per**2).sum()) if per.len() else 0.0


def _num(value: object) -> float:
    """A numeric aggregate of a series (`sum`, `mean`, `std`, `min` ...) as a float. Polars types these as
    any scalar (a date, a string, None), so arithmetic on them is checked only once they are numbers."""
    if isinstance(value, int | float | Decimal):
        return float(value)
    raise TypeError(f"expected a number, got {value!r}")


def _whole(value: object) -> int:
    """An integer aggregate of a series (`min`, `max` of counts and ages) as an int."""
    if isinstance(value, int):
        return value
    raise TypeError(f"expected an integer, got {value!r}")


def _verdict(ok: bool) -> str:
    return PASS if ok else FAIL


def _in_range(value: float, lo: float, hi: float, se: float = 0.0) -> bool:
    return lo - 3 * se <= value <= hi + 3 * se


# ----------------------------------------------------------------------------------------------- frames


@dataclass(frozen=True, slots=True)
class _Data:
    config: GeneratorConfig
    frames: dict[str, pl.DataFrame]
    orders: pl.DataFrame  # orders with market index, customer country, segment, time zone, USD total
    days: list[dt.date]

    @property
    def countries(self) -> list[str]:
        return [m.country for m in self.config.markets]


def _prepare(config: GeneratorConfig, frames: dict[str, pl.DataFrame]) -> _Data:
    markets = config.markets
    market_of = pl.DataFrame(
        {
            "currency_market": [m.currency for m in markets],
            "usd_rate": [1 / m.price_level for m in markets],
        }
    ).unique("currency_market", keep="first")
    customers = frames["customers"]
    tz = "time_zone" if "time_zone" in customers.columns else None
    cust_cols = ["customer_id", "country", "segment", *([tz] if tz else [])]
    orders = frames["orders"].join(customers.select(cust_cols), on="customer_id", how="left")
    if tz is None:
        zones = pl.DataFrame({"country": [m.country for m in markets], "time_zone": [m.timezone for m in markets]})
        orders = orders.join(zones, on="country", how="left")
    orders = orders.join(market_of.rename({"currency_market": "currency"}), on="currency", how="left").with_columns(
        (pl.col("total").cast(pl.Float64) * pl.col("usd_rate")).alias("total_usd"),
        pl.col("total").cast(pl.Float64).alias("total_f"),
    )
    days = sorted(orders["date"].unique().to_list()) if orders.height else []
    return _Data(config, frames, orders, days)


# ----------------------------------------------------------------------------------------------- customers


def _age(d: _Data) -> list[Property]:
    t = targets()["age_at_18"]
    c = d.frames["customers"]
    if c.height == 0:
        return [Property("age at sign-up", "18-90, Normal(35, 12)", t["source"], "no customers", "", NA)]
    s, b = pl.col("signup_at").dt.date(), pl.col("birth_date")
    age = (
        s.dt.year()
        - b.dt.year()
        - ((s.dt.month() < b.dt.month()) | ((s.dt.month() == b.dt.month()) & (s.dt.day() < b.dt.day()))).cast(pl.Int32)
    )
    ages = c.select(age.alias("age"))["age"]
    share18 = _num((ages == 18).mean())
    se = math.sqrt(max(share18 * (1 - share18), 1e-4) / len(ages))
    youngest, oldest = _whole(ages.min()), _whole(ages.max())
    ok = youngest >= 18 and oldest <= 90 and share18 <= t["max_share"] + 3 * se
    measured = f"min {youngest}, max {oldest}, mean {_num(ages.mean()):.1f}, aged 18: {share18:.1%}"
    return [
        Property(
            "age at sign-up",
            f"18-90, none under 18, aged 18 <= {t['max_share']:.0%}",
            t["source"],
            measured,
            f"<= {t['max_share']:.0%} + 3 SE",
            _verdict(ok),
            share18,
        )
    ]


def _repeat_buyers(d: _Data) -> list[Property]:
    per = d.orders.group_by("customer_id").len()
    if per.height == 0:
        return []
    n = per["len"]
    one = _num((n == 1).mean())
    top = _num(n.sort(descending=True).head(max(1, per.height // 100)).sum()) / _num(n.sum())
    measured = (
        f"{per.height:,} buyers: one order {one:.0%}, two or more {1 - one:.0%}; "
        f"top 1% place {top:.0%} of orders; max {_whole(n.max())} orders"
    )
    return [Property("repeat buyers", "reported", "user: heavy-tailed purchase frequency", measured, "", INFO, 1 - one)]


def _lines_per_order(d: _Data) -> list[Property]:
    lines = d.orders["item_count"]
    if lines.len() == 0:
        return []
    expected = 3.5 / (1 - math.exp(-3.5))
    hist = np.bincount(lines.to_numpy(), minlength=8)[1:8] / lines.len()
    measured = f"mean {_num(lines.mean()):.2f} (Poisson(3.5) given >= 1: {expected:.2f}); 1..7 lines " + " ".join(
        f"{x:.0%}" for x in hist
    )
    return [Property("lines per order", "reported", "user: Poisson(3.5), at least one", measured, "", INFO)]


# ----------------------------------------------------------------------------------------------- money


def _aov(d: _Data) -> list[Property]:
    t = targets()["aov_usd"]
    out = []
    for country in d.countries:
        spec = t.get(country)
        o = d.orders.filter(pl.col("country") == country)
        if spec is None:
            continue
        lo, hi = spec["range"]
        if o.height < MIN_ROWS:
            out.append(Property(f"AOV {country} (USD)", f"${lo}-{hi}", spec["source"], f"{o.height} orders", "", NA))
            continue
        mean = _num(o["total_usd"].mean())
        se = _num(o["total_usd"].std()) / math.sqrt(_effective(o))
        slack = t["slack"]
        ok = _in_range(mean, lo * (1 - slack), hi * (1 + slack), se)
        out.append(
            Property(
                f"AOV {country} (USD)",
                f"${lo}-{hi}",
                spec["source"],
                f"${mean:,.2f} over {o.height:,} orders",
                f"+-{slack:.0%} + 3 SE",
                _verdict(ok),
                mean,
            )
        )
    return out


def _order_value_shape(d: _Data) -> list[Property]:
    t, t20 = targets()["sigma_log_order_value"], targets()["top20_revenue_share"]
    sigmas, shares, counts = {}, {}, {}
    for country in d.countries:
        v = d.orders.filter(pl.col("country") == country)["total_f"].to_numpy()
        v = v[v > 0]
        if len(v) < MIN_ROWS:
            continue
        sigmas[country] = float(np.std(np.log(v)))
        counts[country] = len(v)
        top = np.sort(v)[::-1][: max(1, len(v) // 5)]
        shares[country] = float(top.sum() / v.sum())
    if not sigmas:
        return [Property("sigma of ln(order value)", "0.6-0.8", t["source"], "too few orders", "", NA)]
    lo, hi = t["range"]
    ok_sigma = all(_in_range(s, lo - t["slack"], hi + t["slack"]) for s in sigmas.values())
    # The top fifth's share of a log-normal sample scatters about 0.3 / sqrt(n) (simulated at sigma 0.75).
    ok_share = all(abs(x - t20["target"]) <= t20["tolerance"] + 0.9 / math.sqrt(counts[c]) for c, x in shares.items())
    return [
        Property(
            "sigma of ln(order value)",
            f"{lo}-{hi} per storefront",
            t["source"],
            " ".join(f"{c} {s:.2f}" for c, s in sigmas.items()),
            f"+-{t['slack']}",
            _verdict(ok_sigma),
            max(sigmas.values()),
        ),
        Property(
            "top 20% of orders, revenue share",
            f"{t20['target']:.0%} per storefront",
            t20["source"],
            " ".join(f"{c} {s:.0%}" for c, s in shares.items()),
            f"+-{t20['tolerance']:.0%} + 3 SE",
            _verdict(ok_share),
            max(shares.values()),
        ),
    ]


def _top_product(d: _Data) -> list[Property]:
    t = targets()["top_product_revenue_share"]
    items = d.frames["order_items"].join(d.orders.select("order_id", "country"), on="order_id")
    if items.height == 0:
        return [Property("top product revenue share", "<= 5%", t["source"], "no items", "", NA)]
    by = (
        items.group_by("country", "product_id")
        .agg(pl.col("line_total").cast(pl.Float64).sum().alias("rev"), pl.len().alias("lines"))
        .with_columns((pl.col("rev") / pl.col("rev").sum().over("country")).alias("share"))
        .group_by("country")
        .agg(pl.col("share").max(), pl.len().alias("products"), pl.col("rev").sum(), pl.col("lines").sum())
    )
    # A share is only a property of the storefront once its catalog is large and well sampled.
    judged = by.filter((pl.col("products") >= 40) & (pl.col("lines") >= MIN_LINES))
    if judged.height == 0:
        return [Property("top product revenue share", "<= 5%", t["source"], "catalog too small", "", NA)]
    worst = _num(judged["share"].max())
    measured = " ".join(f"{c} {s:.1%}" for c, s in judged.select("country", "share").sort("country").iter_rows())
    return [
        Property(
            "top product revenue share",
            f"<= {t['max']:.0%} of a storefront's revenue",
            t["source"],
            measured,
            "none above",
            _verdict(worst <= t["max"]),
            worst,
        )
    ]


def _segments(d: _Data) -> list[Property]:
    t = targets()["segment_aov_spread"]
    by = d.orders.group_by("segment").agg(pl.col("total_usd").mean(), pl.len()).filter(pl.col("len") >= MIN_ROWS)
    if by.height < 2:
        return [Property("AOV by segment", "segments differ", t["source"], "too few orders", "", NA)]
    aov = dict(by.select("segment", "total_usd").iter_rows())
    ratio = max(aov.values()) / min(aov.values())
    return [
        Property(
            "AOV by segment (USD)",
            f"highest / lowest >= {t['min_ratio']}",
            t["source"],
            " ".join(f"{s} ${v:,.0f}" for s, v in sorted(aov.items())) + f" (ratio {ratio:.2f})",
            "",
            _verdict(ratio >= t["min_ratio"]),
            ratio,
        )
    ]


def _free_shipping(d: _Data) -> list[Property]:
    t = targets()["free_shipping_share"]
    by = d.orders.group_by("country").agg((pl.col("shipping_fee") == 0).mean().alias("free"), pl.len())
    shares = dict(by.select("country", "free").iter_rows())
    us = d.orders.filter(pl.col("country") == "US")
    if us.height < MIN_ROWS:
        return [Property("free-shipping share", "42% (US)", t["source"], "too few US orders", "", NA)]
    share = float(shares["US"])
    se = math.sqrt(share * (1 - share) / _effective(us))
    return [
        Property(
            "free-shipping share",
            f"{t['target']:.0%} of US orders",
            t["source"],
            " ".join(f"{c} {shares[c]:.0%}" for c in d.countries if c in shares),
            f"+-{t['tolerance']:.0%} + 3 SE",
            _verdict(abs(share - t["target"]) <= t["tolerance"] + 3 * se),
            share,
        )
    ]


# ----------------------------------------------------------------------------------------------- time


def _local_hours(d: _Data) -> list[Property]:
    t = targets()["local_hour_peaks"]
    peak, night = t["peak_hours"], t["night_hours"]
    rows = []
    for (zone,), group in d.orders.group_by(["time_zone"]):
        if group.height < MIN_ZONE_ROWS:
            continue
        hours = group.select(pl.col("created_at").dt.convert_time_zone(zone).dt.hour())["created_at"].to_numpy()
        share = np.bincount(hours, minlength=24) / len(hours)
        ratio = share[peak].mean() / max(share[night].mean(), 1e-9)
        night_share = float(share[:6].sum())
        se = math.sqrt(max(night_share * (1 - night_share), 1e-4) / len(hours))
        rows.append((zone, len(hours), int(np.argmax(share)), ratio, night_share, se))
    if not rows:
        return [Property("local-time peaks", "midday and evening", t["source"], "too few orders", "", NA)]
    ok = all(r[3] >= t["min_ratio"] and r[4] <= t["max_night_share"] + 3 * r[5] for r in rows)
    rows.sort(key=lambda r: -r[1])
    worst_night = max(rows, key=lambda r: r[4])
    measured = (
        f"{len(rows)} zones; busiest hours "
        + ", ".join(f"{r[0].split('/')[-1]} {r[2]}h" for r in rows[:6])
        + f"; peak/night >= {min(r[3] for r in rows):.1f}; night 0-6h <= {worst_night[4]:.1%}"
        f" ({worst_night[0]})"
    )
    return [
        Property(
            "local-time peaks",
            f"10-14h and 18-21h local >= {t['min_ratio']:.0f}x 2-6h; night share <= {t['max_night_share']:.0%}",
            t["source"],
            measured,
            "per zone, + 3 SE",
            _verdict(ok),
            worst_night[4],
        )
    ]


def _event_days(year: int) -> set[dt.date]:
    """Days whose shopping events (Black Friday week, Christmas, New Year sales) would bias a weekday mean."""
    bf = black_friday(year)
    out = {bf + dt.timedelta(days=k) for k in range(-5, 8)}
    out |= {dt.date(year, 12, 17) + dt.timedelta(days=k) for k in range(26)}
    out |= {dt.date(year, 1, 1) + dt.timedelta(days=k) for k in range(11)}
    return out


def _daily(d: _Data) -> pl.DataFrame:
    """Orders per partition day with the ratio to its centred 7-day mean (ordinary days only)."""
    counts = d.orders.group_by("date").len().sort("date")
    full = pl.DataFrame({"date": pl.date_range(d.days[0], d.days[-1], eager=True)}).join(counts, on="date", how="left")
    full = full.with_columns(pl.col("len").fill_null(0).cast(pl.Float64))
    full = full.with_columns(
        (pl.col("len") / pl.col("len").rolling_mean(7, center=True)).alias("ratio"),
        pl.col("date").dt.weekday().alias("weekday"),
    )
    events = set().union(*(_event_days(y) for y in {day.year for day in d.days} | {d.days[0].year - 1}))
    near = {e + dt.timedelta(days=k) for e in events for k in range(-3, 4)}
    return full.filter(~pl.col("date").is_in(sorted(near)) & pl.col("ratio").is_not_null())


def _weekday(d: _Data) -> list[Property]:
    t = targets()["weekday_pattern"]
    profile = d.config.calendar.weekday_profile
    source = t["source_user"] if profile == "user" else t["source_published"]
    w = np.array(d.config.calendar.weekday_weights)
    target = w / w.mean()
    names = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    target_text = f"{profile}: " + " ".join(f"{n} {x:.2f}" for n, x in zip(names, target, strict=True))
    if len(d.days) < 28:
        return [Property("weekday pattern", target_text, source, f"{len(d.days)} days", "", NA)]
    daily = _daily(d)
    by = daily.group_by("weekday").agg(pl.col("ratio").mean(), pl.col("ratio").std().alias("sd"), pl.len())
    by = by.sort("weekday")
    if by.height < 7 or _whole(by["len"].min()) < 3:
        return [Property("weekday pattern", target_text, source, "too few ordinary days", "", NA)]
    measured = by["ratio"].to_numpy()
    se = (by["sd"] / by["len"].cast(pl.Float64).sqrt()).to_numpy()
    ok = bool(np.all(np.abs(measured - target) <= t["tolerance"] + 3 * se))
    return [
        Property(
            "weekday pattern (orders / centred 7-day mean)",
            target_text,
            source,
            " ".join(f"{n} {x:.2f}" for n, x in zip(names, measured, strict=True)),
            f"+-{t['tolerance']} + 3 SE per day",
            _verdict(ok),
            float(np.abs(measured - target).max()),
        )
    ]


def _payday(d: _Data) -> list[Property]:
    t = targets()["payday_bump"]
    lo, hi = t["range"]
    target_text = f"days 1-3 / days 18-23: {lo}-{hi}"
    if len(d.days) < 28:
        return [Property("payday bump", target_text, t["source"], f"{len(d.days)} days", "", NA)]
    daily = _daily(d)
    weekday = daily.group_by("weekday").agg(pl.col("ratio").mean().alias("w"))
    daily = daily.join(weekday, on="weekday").with_columns((pl.col("ratio") / pl.col("w")).alias("resid"))
    dom = pl.col("date").dt.day()
    pay = daily.filter(dom <= 3)["resid"]
    lull = daily.filter((dom >= 18) & (dom <= 23))["resid"]
    if pay.len() < 3 or lull.len() < 3:
        return [Property("payday bump", target_text, t["source"], "too few days", "", NA)]
    pay_mean, lull_mean = _num(pay.mean()), _num(lull.mean())
    ratio = pay_mean / lull_mean
    se = ratio * math.sqrt(
        (_num(pay.std()) / pay_mean) ** 2 / pay.len() + (_num(lull.std()) / lull_mean) ** 2 / lull.len()
    )
    return [
        Property(
            "payday bump",
            target_text,
            t["source"],
            f"{ratio:.3f} ({pay.len()} paydays, {lull.len()} mid-month days)",
            "+ 3 SE",
            _verdict(_in_range(ratio, lo, hi, se)),
            ratio,
        )
    ]


def _november(d: _Data) -> list[Property]:
    counts = dict(d.orders.group_by("date").len().iter_rows())
    out = []
    years = sorted({day.year for day in d.days})
    load_test = d.config.calendar.scenario == "black_friday_load_test"
    for year in years:
        ordinary = [dt.date(year, 11, k) for k in range(2, 20)]
        base_days = [counts.get(x, 0) for x in ordinary if d.days[0] <= x <= d.days[-1]]
        bf = black_friday(year)
        if len(base_days) < 7 or not d.days[0] <= bf + dt.timedelta(days=3) <= d.days[-1]:
            continue
        base = float(np.mean(base_days))
        se_base = float(np.std(base_days)) / math.sqrt(len(base_days))
        if load_test:
            t = targets()["load_test_weekend"]
            multiples = [counts.get(bf + dt.timedelta(days=k), 0) / base for k in range(3)]
            ok = all(abs(x - t["target"]) <= t["tolerance"] + 3 * x * se_base / base for x in multiples)
            out.append(
                Property(
                    f"Black Friday weekend {year} (load test)",
                    f"{t['target']:.0f}x an ordinary November day",
                    t["source"],
                    " ".join(f"{x:.1f}x" for x in multiples),
                    f"+-{t['tolerance']:.0f} + 3 SE",
                    _verdict(ok),
                    min(multiples),
                )
            )
            continue
        for name, day, key in (
            ("Black Friday", bf, "black_friday"),
            ("Cyber Monday", bf + dt.timedelta(3), "cyber_monday"),
        ):
            t = targets()[key]
            lo, hi = t["range"]
            x = counts.get(day, 0) / base
            se = x * math.sqrt(1 / max(counts.get(day, 1), 1) + (se_base / base) ** 2)
            out.append(
                Property(
                    f"{name} {year}",
                    f"{lo}-{hi}x an ordinary November day",
                    t["source"],
                    f"{x:.2f}x ({counts.get(day, 0):,} orders vs {base:,.0f})",
                    f"+-{t['slack']:.0%} + 3 SE",
                    _verdict(_in_range(x, lo * (1 - t["slack"]), hi * (1 + t["slack"]), se)),
                    x,
                )
            )
    if not out:
        t = targets()["load_test_weekend" if load_test else "black_friday"]
        out.append(Property("Black Friday", "3-4x an ordinary November day", t["source"], "not in the window", "", NA))
    return out


def _summer(d: _Data) -> list[Property]:
    t = targets()["summer_lull"]
    lo, hi = t["range"]
    counts = d.orders.group_by("date").len()
    month = pl.col("date").dt.month()
    summer = counts.filter(month.is_in([7, 8]))
    before = counts.filter(month.is_in([5, 6]))
    if summer.height < 40 or before.height < 40:
        return [Property("summer lull", f"Jul-Aug / May-Jun {lo}-{hi}", t["source"], "not in the window", "", NA)]
    ratio = _num(summer["len"].mean()) / _num(before["len"].mean())
    return [
        Property(
            "summer lull",
            f"Jul-Aug / May-Jun orders per day {lo}-{hi}",
            t["source"],
            f"{ratio:.3f}",
            "",
            _verdict(lo <= ratio <= hi),
            ratio,
        )
    ]


# ----------------------------------------------------------------------------------------------- lifecycle


def _life(d: _Data) -> pl.DataFrame:
    """One row per order placed in the window (but its last two days): its status changes as columns."""
    hist = d.frames["order_status_history"]
    wide = hist.pivot(on="status", index="order_id", values="changed_at", aggregate_function="first")
    cutoff = d.days[-1] - dt.timedelta(days=2) if d.days else None
    orders = d.orders.filter(pl.col("date") <= cutoff) if cutoff else d.orders
    return orders.select("order_id", "country", "date").join(wide, on="order_id", how="left")


def _cancellations(d: _Data) -> list[Property]:
    t = targets()["cancellation_share"]
    life = _life(d)
    if life.height < MIN_ROWS or "cancelled" not in life.columns:
        return [Property("cancelled orders", "about 5%", t["source"], "too few orders", "", NA)]
    share = _num(life["cancelled"].is_not_null().mean())
    se = math.sqrt(share * (1 - share) / life.height)
    return [
        Property(
            "cancelled orders",
            f"{t['target']:.0%}",
            t["source"],
            f"{share:.2%} of {life.height:,}",
            f"+-{t['tolerance']:.1%} + 3 SE",
            _verdict(abs(share - t["target"]) <= t["tolerance"] + 3 * se),
            share,
        )
    ]


def _payment_mix(d: _Data) -> list[Property]:
    t = targets()["payment_mix"]
    paid = (
        d.frames["payments"]
        .filter(pl.col("status") == "captured")
        .join(d.orders.select("order_id", "country", "customer_id"), on="order_id")
    )
    out = []
    for m in d.config.markets:
        p = paid.filter(pl.col("country") == m.country)
        expected = {str(k): w / sum(x for _, x in m.payment_mix) for k, w in m.payment_mix}
        target_text = " ".join(f"{k} {v:.0%}" for k, v in expected.items())
        if p.height < MIN_ROWS:
            out.append(Property(f"payment mix {m.country}", target_text, t["source"], f"{p.height} payments", "", NA))
            continue
        got = dict(p["method"].value_counts(normalize=True).iter_rows())
        # Customers reuse their saved method: the effective sample is the customers (Kish), not the payments.
        n_eff = _effective(p)
        if n_eff < MIN_EFFECTIVE:
            measured = f"{p.height} payments by {n_eff:,.0f} effective customers"
            out.append(Property(f"payment mix {m.country}", target_text, t["source"], measured, "", NA))
            continue
        worst = 0.0
        ok = True
        for k, v in expected.items():
            dev = abs(got.get(k, 0.0) - v)
            worst = max(worst, dev)
            ok &= dev <= t["tolerance"] + 3 * math.sqrt(v * (1 - v) / n_eff)
        ok &= set(got) <= set(expected)
        out.append(
            Property(
                f"payment mix {m.country}",
                target_text,
                t["source"],
                " ".join(f"{k} {got.get(k, 0.0):.0%}" for k in expected) + f" (max dev {worst:.1%})",
                f"+-{t['tolerance']:.0%} + 3 SE per method ({n_eff:,.0f} effective customers)",
                _verdict(ok),
                worst,
            )
        )
    return out


def _local_dates(frame: pl.DataFrame, column: str, zones: dict[str, str]) -> np.ndarray:
    out = np.empty(frame.height, dtype="datetime64[D]")
    idx = np.arange(frame.height)
    for country, zone in zones.items():
        sel = (frame["country"] == country).to_numpy()
        if sel.any():
            local = frame.filter(pl.Series(sel)).select(pl.col(column).dt.convert_time_zone(zone).dt.date())
            out[idx[sel]] = local[column].to_numpy().astype("datetime64[D]")
    return out


def _fulfilment(d: _Data) -> list[Property]:
    life = _life(d)
    needed = {"shipped", "delivered"}
    if life.height == 0 or not needed <= set(life.columns):
        return []
    zones = {m.country: m.timezone for m in d.config.markets}
    shipped = life.drop_nulls("shipped")
    ship_day = _local_dates(shipped, "shipped", zones)
    years = ship_day.astype("datetime64[Y]").astype(int) + 1970
    bad_dispatch = np.zeros(shipped.height, dtype=bool)
    for country in zones:
        sel = (shipped["country"] == country).to_numpy()
        if not sel.any():
            continue
        hol = {np.datetime64(h) for y in set(years[sel].tolist()) for h in public_holidays(country, y)}
        days = ship_day[sel]
        sunday = (days.astype("datetime64[D]").view("int64") - 3) % 7 == 0  # 1970-01-04 was a Sunday
        bad_dispatch[sel] = sunday | np.isin(days, np.array(sorted(hol), dtype="datetime64[D]"))
    t_disp = targets()["dispatch_calendar"]
    share_bad = float(bad_dispatch.mean()) if len(bad_dispatch) else 0.0
    out = [
        Property(
            "dispatch on Sundays or public holidays",
            "none",
            t_disp["source"],
            f"{share_bad:.2%} of {shipped.height:,} dispatches",
            "0",
            _verdict(share_bad <= t_disp["max_share"]) if shipped.height else NA,
            share_bad,
        )
    ]
    delivered = life.drop_nulls(["shipped", "delivered"])
    t_gap = targets()["delivery_gap"]
    if delivered.height:
        gap = _num((delivered["delivered"] - delivered["shipped"]).dt.total_minutes().min()) / 60
        out.append(
            Property(
                "shortest dispatch -> delivery",
                f">= {t_gap['min_hours']} h",
                t_gap["source"],
                f"{gap:.1f} h",
                "",
                _verdict(gap >= t_gap["min_hours"]),
                gap,
            )
        )
    out += _transit(d, delivered, zones)
    return out


def _transit(d: _Data, delivered: pl.DataFrame, zones: dict[str, str]) -> list[Property]:
    t = targets()["transit_days"]
    out: list[Property] = []
    if delivered.height == 0:
        return out
    ship = _local_dates(delivered, "shipped", zones)
    arrive = _local_dates(delivered, "delivered", zones)
    for m in d.config.markets:
        sel = (delivered["country"] == m.country).to_numpy()
        buckets = np.array([k for k, _ in m.transit_days])
        w = np.array([p for _, p in m.transit_days])
        expected = float((buckets * w).sum() / w.sum())
        target_text = " ".join(f"{k}d {p:.0%}" for k, p in m.transit_days) + f" (mean {expected:.2f})"
        if sel.sum() < MIN_ROWS:
            out.append(Property(f"transit {m.country}", target_text, t["source"], f"{sel.sum()} deliveries", "", NA))
            continue
        years = ship[sel].astype("datetime64[Y]").astype(int) + 1970
        cal = carrier_calendar(m.country, int(years.min()) - 1, int(years.max()) + 1)
        days = np.busday_count(ship[sel], arrive[sel], busdaycal=cal)
        mean = float(days.mean())
        se = float(days.std()) / math.sqrt(len(days))
        missing = sorted(set(buckets.tolist()) - set(days.tolist()))
        ok = abs(mean - expected) <= t["tolerance"] + 3 * se and not missing
        measured = f"mean {mean:.2f} working days; " + " ".join(f"{k}d {np.mean(days == k):.0%}" for k in buckets)
        if missing:
            measured += f"; missing buckets {missing}"
        out.append(
            Property(
                f"transit {m.country}",
                target_text,
                t["source"],
                measured,
                f"mean +-{t['tolerance']} + 3 SE, every bucket",
                _verdict(ok),
                mean,
            )
        )
    return out


# ----------------------------------------------------------------------------------------------- contacts


def _emails(d: _Data) -> list[Property]:
    t = targets()["email_patterns"]
    c = d.frames["customers"]
    if c.height == 0:
        return []

    def slug(col: str) -> pl.Expr:
        return pl.col(col).str.normalize("NFKD").str.to_lowercase().str.replace_all(r"[^a-z]", "")

    local = pl.col("email").str.split("@").list.first()
    f, last = slug("first_name"), slug("last_name")
    names = pl.concat_list(
        [
            pl.concat_str([f, pl.lit("."), last]),
            pl.concat_str([f, last]),
            pl.concat_str([f.str.slice(0, 1), last]),
            pl.concat_str([f, pl.lit("_"), last]),
            pl.concat_str([last, pl.lit("."), f]),
            pl.concat_str([f.str.slice(0, 1), pl.lit("."), last]),
        ]
    )
    stem = local.str.replace(r"\d+$", "").str.replace(r"^([a-z]+)\.[a-z]\.", "$1.")  # a middle initial
    frame = c.select(
        local.str.contains(r"\d").alias("digits"),
        (names.list.contains(stem) & (f.str.len_bytes() > 0)).alias("named"),
    )
    digits, named = _num(frame["digits"].mean()), _num(frame["named"].mean())
    unique = c["email"].n_unique() == c.height
    ok = digits <= t["max_digit_share"] and named >= t["min_name_share"] and unique
    return [
        Property(
            "email patterns",
            f"digits <= {t['max_digit_share']:.0%}; name patterns >= {t['min_name_share']:.0%}; unique",
            t["source"],
            f"with digits {digits:.1%}; first.last/firstlast/flast/... {named:.1%}; unique {unique}",
            "",
            _verdict(ok),
            digits,
        )
    ]


def _postal_codes(d: _Data) -> list[Property]:
    from ecom_pipeline.generation.providers import gazetteer

    t = targets()["postal_code_validity"]
    a = d.frames["addresses"]
    if a.height == 0:
        return []
    valid = gazetteer.valid_postal_codes(a.select("country", "city", "region", "postal_code"))
    share = _num(valid.mean())
    spread = (
        a.filter(pl.col("city").is_in(["London", "Paris", "São Paulo", "New York City", "Berlin", "新宿区"]))
        .group_by("city")
        .agg(pl.col("postal_code").n_unique().alias("codes"), pl.len())
        .filter(pl.col("len") >= 20)
        .sort("city")
    )
    spread_text = ", ".join(f"{c} {n} codes" for c, n, _ in spread.iter_rows())
    return [
        Property(
            "postal codes valid for their city",
            f">= {t['min_share']:.1%}",
            t["source"],
            f"{share:.2%} of {a.height:,}" + (f"; {spread_text}" if spread_text else ""),
            "",
            _verdict(share >= t["min_share"]),
            share,
        )
    ]


def _phones(d: _Data) -> list[Property]:
    import phonenumbers

    t = targets()["phone_validity"]
    c = d.frames["customers"]
    if c.height == 0:
        return []
    shares = {}
    for country in d.countries:
        numbers = c.filter(pl.col("country") == country)["phone"]
        if numbers.len() == 0:
            continue
        step = max(1, numbers.len() // PHONE_SAMPLE)
        sample = numbers.gather_every(step).to_list()
        shares[country] = sum(_valid_phone(phonenumbers, x, country) for x in sample) / len(sample)
    worst = min(shares.values())
    return [
        Property(
            "phone numbers valid for their country",
            f">= {t['min_share']:.1%} per country",
            t["source"],
            " ".join(f"{k} {v:.1%}" for k, v in shares.items()),
            "",
            _verdict(worst >= t["min_share"]),
            worst,
        )
    ]


def _valid_phone(phonenumbers: Any, number: str, region: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, region))
    except phonenumbers.NumberParseException:
        return False


MEASURES: tuple[Callable[[_Data], list[Property]], ...] = (
    _age,
    _lines_per_order,
    _aov,
    _order_value_shape,
    _top_product,
    _segments,
    _free_shipping,
    _local_hours,
    _weekday,
    _payday,
    _november,
    _summer,
    _cancellations,
    _payment_mix,
    _fulfilment,
    _emails,
    _postal_codes,
    _phones,
    _repeat_buyers,
)


def score(config: GeneratorConfig, frames: dict[str, pl.DataFrame]) -> list[Property]:
    """The scorecard of a dataset: `frames` maps each table to its rows, with the partition `date` column.

    Orders (and so everything measured per order) are those whose partition lies in the frames; customers,
    products and addresses are every row given (the parents of those orders).
    """
    data = _prepare(config, frames)
    return [p for measure in MEASURES for p in measure(data)]
