"""Generator configuration: markets, scale profiles and behavioural parameters, all with defaults that run.

Every figure here is a default that a user can override; `../shared/realism-reference.md` style sources
are cited in comments (S = published figure, A = judgement anchored on published figures).
Config objects are frozen and hashable so that cached helpers can key on them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from ecom_pipeline.generation.enums import CardBrand, PaymentMethod
from ecom_pipeline.generation.exceptions import GenerationError

DEFAULT_EPOCH = dt.date(2026, 1, 1)
CALIBRATION_DAYS = 180

Weights = tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class Market:
    """One storefront: a country with its own currency, time zone, locale, taxes, payments and carriers."""

    country: str
    locale: str  # BCP 47 tag recorded on customers
    mimesis_locale: str
    currency: str
    timezone: str
    share: float  # share of new customers
    tax_rate: float
    price_level: float  # local currency units per USD of list price (FX times price positioning)
    currency_decimals: int  # 0 for JPY: prices are whole yen, still stored as decimal(12,2)
    shipping_fee: float  # local currency, charged below the free-shipping threshold
    free_shipping_threshold: float
    payment_mix: Weights
    card_brands: Weights
    carriers: Weights
    transit_days: tuple[tuple[int, float], ...]  # business days in transit -> probability
    promised_days: int  # delivery promise shown at dispatch, in days
    free_mail_domains: Weights
    corporate_tld: str
    southern_hemisphere: bool = False  # seasons of summer and winter goods swap


_PM = PaymentMethod
_CB = CardBrand

MARKETS: tuple[Market, ...] = (
    Market(
        country="US",
        locale="en-US",
        mimesis_locale="en",
        currency="USD",
        timezone="America/New_York",
        share=0.40,
        tax_rate=0.07,
        price_level=1.0,
        currency_decimals=2,
        shipping_fee=5.99,
        # S2: 42% of US orders ship free (the average threshold, $64, is for smaller baskets): the threshold
        # sits where about 42% of this storefront's baskets clear it; the other storefronts follow suit.
        free_shipping_threshold=89.0,
        # S2 Worldpay via CapitalOne: wallets 39%, credit 31%, debit 17%; BNPL/A2A split A
        payment_mix=(
            (_PM.WALLET, 0.39),
            (_PM.CREDIT_CARD, 0.31),
            (_PM.DEBIT_CARD, 0.17),
            (_PM.BNPL, 0.05),
            (_PM.BANK_TRANSFER, 0.05),
            (_PM.GIFT_CARD, 0.03),
        ),
        card_brands=(
            (_CB.VISA, 0.59),
            (_CB.MASTERCARD, 0.26),
            (_CB.AMEX, 0.08),
            (_CB.DISCOVER, 0.07),
        ),  # S PPRO
        carriers=(("usps", 0.40), ("ups", 0.30), ("fedex", 0.25), ("ontrac", 0.05)),  # A, PB PSI w/o Amazon
        transit_days=((1, 0.10), (2, 0.30), (3, 0.30), (4, 0.18), (5, 0.12)),
        promised_days=5,
        free_mail_domains=(
            ("gmail.com", 0.55),
            ("yahoo.com", 0.15),
            ("outlook.com", 0.12),
            ("icloud.com", 0.10),
            ("aol.com", 0.04),
            ("hotmail.com", 0.04),
        ),
        corporate_tld="com",
    ),
    Market(
        country="GB",
        locale="en-GB",
        mimesis_locale="en-gb",
        currency="GBP",
        timezone="Europe/London",
        share=0.15,
        tax_rate=0.20,
        price_level=0.79,
        currency_decimals=2,
        shipping_fee=3.99,
        free_shipping_threshold=75.0,
        payment_mix=(
            (_PM.DEBIT_CARD, 0.30),
            (_PM.CREDIT_CARD, 0.20),
            (_PM.WALLET, 0.32),
            (_PM.BNPL, 0.07),
            (_PM.BANK_TRANSFER, 0.09),
            (_PM.GIFT_CARD, 0.02),
        ),  # A, anchored Worldpay
        card_brands=((_CB.VISA, 0.70), (_CB.MASTERCARD, 0.25), (_CB.AMEX, 0.05)),
        carriers=(
            ("royal_mail", 0.55),
            ("evri", 0.15),
            ("dpd", 0.12),
            ("yodel", 0.08),
            ("parcelforce", 0.10),
        ),
        transit_days=((1, 0.55), (2, 0.30), (3, 0.10), (4, 0.05)),
        promised_days=3,
        free_mail_domains=(
            ("gmail.com", 0.45),
            ("hotmail.co.uk", 0.18),
            ("yahoo.co.uk", 0.12),
            ("outlook.com", 0.10),
            ("btinternet.com", 0.08),
            ("icloud.com", 0.07),
        ),
        corporate_tld="co.uk",
    ),
    Market(
        country="DE",
        locale="de-DE",
        mimesis_locale="de",
        currency="EUR",
        timezone="Europe/Berlin",
        share=0.15,
        tax_rate=0.19,
        price_level=0.92,
        currency_decimals=2,
        shipping_fee=4.95,
        free_shipping_threshold=89.0,
        # S EHI 2022: PayPal 29.6, invoice 23.8, direct debit 20.9, credit card 12.1, other 13.6 (as BNPL)
        payment_mix=(
            (_PM.PAYPAL, 0.296),
            (_PM.INVOICE, 0.238),
            (_PM.DIRECT_DEBIT, 0.209),
            (_PM.CREDIT_CARD, 0.121),
            (_PM.BNPL, 0.136),
        ),
        card_brands=((_CB.VISA, 0.55), (_CB.MASTERCARD, 0.40), (_CB.AMEX, 0.05)),
        carriers=(("dhl", 0.55), ("hermes", 0.16), ("ups", 0.12), ("dpd", 0.10), ("gls", 0.07)),  # S PB 2019
        transit_days=((1, 0.80), (2, 0.16), (3, 0.03), (4, 0.01)),
        promised_days=2,  # S Bundesnetzagentur
        free_mail_domains=(
            ("gmx.de", 0.25),
            ("web.de", 0.25),
            ("gmail.com", 0.25),
            ("t-online.de", 0.12),
            ("outlook.de", 0.08),
            ("yahoo.de", 0.05),
        ),
        corporate_tld="de",
    ),
    Market(
        country="FR",
        locale="fr-FR",
        mimesis_locale="fr",
        currency="EUR",
        timezone="Europe/Paris",
        share=0.12,
        tax_rate=0.20,
        price_level=0.92,
        currency_decimals=2,
        shipping_fee=4.90,
        free_shipping_threshold=70.0,
        payment_mix=(
            (_PM.CREDIT_CARD, 0.52),
            (_PM.WALLET, 0.27),
            (_PM.BANK_TRANSFER, 0.11),
            (_PM.BNPL, 0.08),
            (_PM.GIFT_CARD, 0.02),
        ),  # S PPRO (cash -> gift card, other -> BNPL)
        card_brands=(
            (_CB.CARTES_BANCAIRES, 0.85),
            (_CB.MASTERCARD, 0.05),
            (_CB.VISA, 0.07),
            (_CB.AMEX, 0.03),
        ),
        carriers=(
            ("colissimo", 0.40),
            ("mondial_relay", 0.20),
            ("dpd", 0.12),
            ("chronopost", 0.10),
            ("ups", 0.18),
        ),
        transit_days=((1, 0.30), (2, 0.45), (3, 0.18), (4, 0.07)),
        promised_days=3,
        free_mail_domains=(
            ("gmail.com", 0.40),
            ("orange.fr", 0.18),
            ("hotmail.fr", 0.14),
            ("free.fr", 0.12),
            ("laposte.net", 0.08),
            ("sfr.fr", 0.08),
        ),
        corporate_tld="fr",
    ),
    Market(
        country="BR",
        locale="pt-BR",
        mimesis_locale="pt-br",
        currency="BRL",
        timezone="America/Sao_Paulo",
        share=0.10,
        tax_rate=0.17,
        price_level=5.2,
        currency_decimals=2,
        shipping_fee=19.90,
        free_shipping_threshold=399.0,
        # S2 Worldpay 2023: credit 40, Pix 30, wallets 16; remainder split A
        payment_mix=(
            (_PM.CREDIT_CARD, 0.40),
            (_PM.PIX, 0.30),
            (_PM.WALLET, 0.16),
            (_PM.BOLETO, 0.07),
            (_PM.DEBIT_CARD, 0.05),
            (_PM.BANK_TRANSFER, 0.02),
        ),
        card_brands=((_CB.MASTERCARD, 0.42), (_CB.VISA, 0.40), (_CB.ELO, 0.13), (_CB.AMEX, 0.05)),
        carriers=(("correios", 0.50), ("jadlog", 0.25), ("loggi", 0.25)),
        transit_days=((2, 0.10), (3, 0.20), (5, 0.30), (7, 0.25), (10, 0.15)),
        promised_days=10,
        free_mail_domains=(
            ("gmail.com", 0.55),
            ("hotmail.com", 0.20),
            ("yahoo.com.br", 0.10),
            ("outlook.com", 0.08),
            ("uol.com.br", 0.07),
        ),
        corporate_tld="com.br",
        southern_hemisphere=True,
    ),
    Market(
        country="JP",
        locale="ja-JP",
        mimesis_locale="ja",
        currency="JPY",
        timezone="Asia/Tokyo",
        share=0.08,
        tax_rate=0.10,
        price_level=150.0,
        currency_decimals=0,
        shipping_fee=550.0,
        free_shipping_threshold=13000.0,
        # S2 eShopworld: credit card 74, konbini 10+1 (ATM), bank transfer 5+4, other 1 (as wallet);
        # cash on delivery (5) folded into konbini since v1 pays before shipping.
        payment_mix=(
            (_PM.CREDIT_CARD, 0.74),
            (_PM.KONBINI, 0.16),
            (_PM.BANK_TRANSFER, 0.09),
            (_PM.WALLET, 0.01),
        ),
        card_brands=((_CB.VISA, 0.51), (_CB.JCB, 0.20), (_CB.MASTERCARD, 0.18), (_CB.AMEX, 0.11)),  # S2
        carriers=(("yamato", 0.42), ("sagawa", 0.29), ("japan_post", 0.29)),  # S MLIT FY2018
        transit_days=((1, 0.75), (2, 0.20), (3, 0.05)),
        promised_days=2,
        free_mail_domains=(
            ("gmail.com", 0.40),
            ("yahoo.co.jp", 0.30),
            ("docomo.ne.jp", 0.10),
            ("icloud.com", 0.10),
            ("outlook.jp", 0.10),
        ),
        corporate_tld="co.jp",
    ),
)


@dataclass(frozen=True, slots=True)
class ScaleProfile:
    """An opening population on the epoch day plus daily rates.

    Daily rates are averages over the first CALIBRATION_DAYS days from the epoch: the seasonal calendar
    and growth trend move individual days around them, and the totals of that window match the rates.
    """

    name: str
    opening_customers: int
    signups_per_day: float
    opening_products: int
    launches_per_day: float
    orders_per_day: float


SCALES: dict[str, ScaleProfile] = {
    # 180-day targets: customers / products / orders
    # small 500 / 250 / 1,500; medium 6,400 / 800 / 51,200; large 20,000 / 1,500 / 240,000;
    # xlarge 1,000,000 opening customers and 5,000 products, 10x large's daily orders.
    "small": ScaleProfile("small", 350, 150 / 180, 220, 30 / 180, 1_500 / 180),
    "medium": ScaleProfile("medium", 4_500, 1_900 / 180, 700, 100 / 180, 51_200 / 180),
    "large": ScaleProfile("large", 14_000, 6_000 / 180, 1_300, 200 / 180, 240_000 / 180),
    "xlarge": ScaleProfile("xlarge", 1_000_000, 60_000 / 180, 5_000, 2_000 / 180, 2_400_000 / 180),
}


WEEKDAY_PROFILES: dict[str, tuple[float, ...]] = {
    # Mon..Sun, mean 1. A: the users' ask, amplitude within the published +-12%.
    "user": (0.88, 0.95, 0.97, 0.99, 1.07, 1.10, 1.04),
    # A, anchored SaleCycle (Mon/Thu busiest, weekend quietest) and doofinder's weekday shares.
    "published": (1.08, 1.04, 1.02, 1.04, 0.96, 0.88, 0.98),
}
SCENARIOS = ("black_friday_load_test",)


@dataclass(frozen=True, slots=True)
class Calendar:
    """Seasonality of traffic, as multipliers on an ordinary day (local time for hours)."""

    # A, anchored SaleCycle / clickpost / comScore: midday plateau 10-14, evening peak 18-21
    hourly_weights: tuple[float, ...] = (
        0.60,
        0.38,
        0.24,
        0.16,
        0.13,
        0.13,
        0.22,
        0.38,
        0.60,
        0.88,
        1.30,
        1.40,
        1.50,
        1.50,
        1.45,
        1.25,
        1.20,
        1.25,
        1.55,
        1.75,
        1.85,
        1.75,
        1.33,
        0.94,
    )
    # "user" (the default): Monday low, Friday to Sunday high, as the users of the data asked; "published":
    # Monday and Thursday high, Saturday low (SaleCycle, doofinder; see WEEKDAY_PROFILES).
    weekday_profile: str = "user"
    # Jan..Dec. A: Nov+Dec about 22% of the year (Adobe/Census ~20%, Statista ~25%); a summer lull in July and
    # August (holidays away from the screen), as the users asked; January lifted by post-Christmas sales.
    monthly_weights: tuple[float, ...] = (
        0.97,
        0.90,
        0.97,
        0.96,
        0.98,
        0.95,
        0.86,
        0.86,
        0.95,
        1.00,
        1.30,
        1.35,
    )
    # D from Adobe 2017/2024: vs an ordinary November day
    thanksgiving: float = 2.0
    black_friday: float = 3.0  # times the Friday weight: about 3.2x an ordinary November day
    cyber_weekend: float = 1.8
    cyber_monday: float = 4.4  # times the (low) Monday weight: about 3.9x an ordinary November day
    # The black_friday_load_test scenario: Black Friday to Sunday at this multiple of an ordinary November day.
    load_test_multiple: float = 10.0
    scenario: str = ""
    december_run_up: float = 1.15  # 1-20 Dec on top of the December month weight
    christmas_eve: float = 0.7
    christmas_day: float = 0.6
    post_christmas: float = 1.1  # 26 Dec - 7 Jan
    payday_start: float = 1.08  # days 1-3
    payday_mid: float = 1.05  # days 14-16 (the 15th)
    month_lull: float = 0.94  # days 18-23
    month_end: float = 1.05  # days 25-31
    annual_growth: float = 0.15  # compound growth of traffic per year from the epoch

    def __post_init__(self) -> None:
        if self.weekday_profile not in WEEKDAY_PROFILES:
            raise GenerationError(
                f"unknown weekday profile {self.weekday_profile!r}; choose one of {', '.join(WEEKDAY_PROFILES)}"
            )
        if self.scenario not in ("", *SCENARIOS):
            raise GenerationError(f"unknown scenario {self.scenario!r}; choose {', '.join(SCENARIOS)} or none")

    @property
    def weekday_weights(self) -> tuple[float, ...]:
        return WEEKDAY_PROFILES[self.weekday_profile]


@dataclass(frozen=True, slots=True)
class Behaviour:
    """Customer, basket, payment and fulfilment behaviour."""

    age_mean: float = 35.0
    age_sd: float = 12.0
    age_min: int = 18
    age_max: int = 90
    opening_history_years: float = 5.0  # opening customers and products date back this far
    opening_history_growth: float = 0.35  # yearly growth of sign-ups before the epoch (denser recently)
    addresses_per_customer: tuple[float, float, float] = (0.70, 0.22, 0.08)  # 1, 2, 3 addresses
    corporate_email_share: float = 0.18
    marketing_consent: float = 0.35  # A
    vip_share: float = 0.05  # most active customers, S thelook power users
    # Log-normal spread of how often customers order: wide enough for a long tail of one-time buyers and a
    # few heavy buyers around the profile's fixed mean (A, anchored Metrilo's 28% repeat rate).
    activity_sigma: float = 1.6
    activity_z_max: float = 2.5  # the heaviest buyers order about 15x the average, not 200x
    activity_half_life_days: float = 240.0  # customers order less as their sign-up ages
    activity_floor: float = 0.25
    first_order_share: float = 0.35  # new customers who order on their sign-up day
    default_address_share: float = 0.85  # orders shipped to the default address
    items_per_order: float = 3.5  # Poisson mean, at least one line
    # Units per line (1, 2, 3, ...) per segment: consumer, vip, business (businesses buy in multiples).
    quantity_weights: tuple[tuple[float, ...], ...] = (
        (0.86, 0.10, 0.03, 0.01),
        (0.80, 0.13, 0.05, 0.02),
        (0.55, 0.20, 0.10, 0.08, 0.04, 0.03),
    )
    product_popularity_sigma: float = 0.3  # log-normal spread of products' appeal, clipped at 2.5 sigma
    # Lines pick products with weight popularity / price**elasticity, per segment (consumer, vip, business):
    # cheap items sell more units; vip customers lean to dearer ones. A, calibrated to published AOVs.
    price_elasticity: tuple[float, float, float] = (1.7, 1.45, 1.7)
    price_floor_usd: float = 15.0
    flash_sale_share: float = 0.01  # products on flash sale in the black_friday_load_test scenario
    flash_sale_lift: float = 20.0
    flash_sale_discount: float = 0.40
    line_discount_share: float = 0.06
    promo_line_discount_share: float = 0.30
    line_discount_rates: tuple[float, ...] = (0.10, 0.15, 0.20, 0.25, 0.30)
    coupon_share: float = 0.08
    coupon_rate: float = 0.10
    saved_method_share: float = 0.80  # A: orders paid with the customer's saved method
    saved_card_share: float = 0.85  # A: card payments with the customer's first saved card (else the second)
    card_decline_rate: float = 0.08  # A: within Stripe's 82-93% authorisation rates
    other_decline_rate: float = 0.04
    abandon_after_decline: float = 0.40  # S2
    spontaneous_cancel_rate: float = 0.025  # with declines, about 5% of orders are cancelled
    handling_days: tuple[int, int] = (0, 2)
    peak_handling_days: tuple[int, int] = (2, 4)  # 20 Nov - 24 Dec
    peak_late_share: float = 0.06
    peak_extra_days: tuple[int, int] = (1, 3)
    inactive_product_share: float = 0.05


@dataclass(frozen=True, slots=True)
class GeneratorConfig:
    """Everything a day's output depends on: the data is a pure function of (config, date)."""

    seed: int = 42
    scale: ScaleProfile = field(default_factory=lambda: SCALES["small"])
    epoch: dt.date = DEFAULT_EPOCH
    markets: tuple[Market, ...] = MARKETS
    calendar: Calendar = field(default_factory=Calendar)
    behaviour: Behaviour = field(default_factory=Behaviour)

    def __post_init__(self) -> None:
        if not 0 <= self.seed < 2**63:
            raise GenerationError(f"seed {self.seed} is outside 0..2**63-1")
        s = self.scale
        for name in (
            "opening_customers",
            "signups_per_day",
            "opening_products",
            "launches_per_day",
            "orders_per_day",
        ):
            if getattr(s, name) < 0:
                raise GenerationError(f"{name} {getattr(s, name)} is negative")
        if s.opening_products < len(self.markets):
            raise GenerationError(
                f"opening_products {s.opening_products} is below the number of markets ({len(self.markets)}):"
                " every storefront needs a catalog"
            )
        if not self.markets:
            raise GenerationError("markets is empty")

    @property
    def market_index(self) -> dict[str, int]:
        return {m.country: i for i, m in enumerate(self.markets)}

    def identity(self) -> dict[str, object]:
        """JSON-ready description of everything that shapes the data (recorded with every output)."""
        return json.loads(json.dumps(dataclasses.asdict(self), default=str))

    def config_hash(self) -> str:
        blob = json.dumps(self.identity(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def scale_profile(name: str, **overrides: float | int | None) -> ScaleProfile:
    """A named profile with any figure overridden (None keeps the profile's value)."""
    try:
        base = SCALES[name]
    except KeyError:
        raise GenerationError(f"unknown scale {name!r}; choose one of {', '.join(SCALES)}") from None
    changes: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    return dataclasses.replace(base, **changes) if changes else base
