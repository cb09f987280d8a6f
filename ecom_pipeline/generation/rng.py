"""Counter-based randomness: every value is a pure function of (seed, table, column, day, row).

A stream consumed in order would make day D depend on every day before it, and adding a column would
shift every later draw. Instead each column gets its own 128-bit key (hashed from seed, table and column
name), and each row's bits come from mixing that key with the row's counter (day ordinal, row index).
The mixer is SplitMix64's finalizer applied twice with two halves of the key: a bijection per key that
passes the usual avalanche tests, vectorized over numpy uint64 arrays at a few ns per value.
"""

from __future__ import annotations

import hashlib
from functools import cache

import numpy as np

_U64 = np.uint64
_M1 = _U64(0xBF58476D1CE4E5B9)
_M2 = _U64(0x94D049BB133111EB)
_GOLDEN = _U64(0x9E3779B97F4A7C15)
_DAY_BITS = 20  # day ordinals (days since 1970-01-01) stay below 2**20 until the year 4840
_INV_2_53 = 1.0 / (1 << 53)


@cache
def column_key(seed: int, table: str, column: str) -> tuple[np.uint64, np.uint64]:
    """Two 64-bit keys for one column of one table under one seed."""
    digest = hashlib.blake2b(f"{seed}\x1f{table}\x1f{column}".encode(), digest_size=16).digest()
    return _U64(int.from_bytes(digest[:8], "little")), _U64(int.from_bytes(digest[8:], "little"))


def _mix(z: np.ndarray) -> np.ndarray:
    z = (z ^ (z >> _U64(30))) * _M1
    z = (z ^ (z >> _U64(27))) * _M2
    return z ^ (z >> _U64(31))


def bits(seed: int, table: str, column: str, day: np.ndarray | int, row: np.ndarray | int) -> np.ndarray:
    """64 random bits per (day, row): uint64 array broadcast over `day` and `row`."""
    k1, k2 = column_key(seed, table, column)
    counter = (np.asarray(row, dtype=_U64) << _U64(_DAY_BITS)) | np.asarray(day, dtype=_U64)
    with np.errstate(over="ignore"):
        return _mix(_mix(counter * _GOLDEN ^ k1) ^ k2)


def random_bytes(
    seed: int, table: str, column: str, day: np.ndarray | int, row: np.ndarray | int, n_bytes: int
) -> np.ndarray:
    """(rows, n_bytes) uniform random bytes per row, e.g. for the characters of a code."""
    words = -(-n_bytes // 8)
    stacked = np.stack([bits(seed, table, f"{column}#{k}", day, row) for k in range(words)], axis=1)
    return stacked.view(np.uint8).reshape(len(stacked), words * 8)[:, :n_bytes]


def uniform(seed: int, table: str, column: str, day: np.ndarray | int, row: np.ndarray | int) -> np.ndarray:
    """Uniform floats in [0, 1) with 53 bits of precision."""
    return (bits(seed, table, column, day, row) >> _U64(11)).astype(np.float64) * _INV_2_53


def uniform_open(seed: int, table: str, column: str, day: np.ndarray | int, row: np.ndarray | int) -> np.ndarray:
    """Uniform floats in (0, 1): safe for inverse CDFs that diverge at 0."""
    return ((bits(seed, table, column, day, row) >> _U64(11)).astype(np.float64) + 0.5) * _INV_2_53


# Acklam's rational approximation of the normal quantile (relative error < 1.2e-9), vectorized.
_A = (
    -3.969683028665376e01,
    2.209460984245205e02,
    -2.759285104469687e02,
    1.383577518672690e02,
    -3.066479806614716e01,
    2.506628277459239e00,
)
_B = (
    -5.447609879822406e01,
    1.615858368580409e02,
    -1.556989798598866e02,
    6.680131188771972e01,
    -1.328068155288572e01,
)
_C = (
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e00,
    -2.549732539343734e00,
    4.374664141464968e00,
    2.938163982698783e00,
)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
_P_LOW = 0.02425


def norm_ppf(p: np.ndarray) -> np.ndarray:
    """Standard normal quantile of p in (0, 1)."""
    p = np.asarray(p, dtype=np.float64)
    out = np.empty_like(p)
    low = p < _P_LOW
    high = p > 1 - _P_LOW
    mid = ~(low | high)
    q = p[mid] - 0.5
    r = q * q
    out[mid] = ((((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]) * q) / (
        ((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1
    )
    for mask, sign, tail in ((low, 1.0, p[low]), (high, -1.0, 1 - p[high])):
        q = np.sqrt(-2 * np.log(tail))
        out[mask] = (
            sign
            * (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5])
            / ((((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1)
        )
    return out


def normal(seed: int, table: str, column: str, day: np.ndarray | int, row: np.ndarray | int) -> np.ndarray:
    """Standard normal draws."""
    return norm_ppf(uniform_open(seed, table, column, day, row))


def choice(u: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Categorical draw: index into `weights` (not necessarily normalised) for each uniform in `u`."""
    cdf = np.cumsum(np.asarray(weights, dtype=np.float64))
    idx = np.searchsorted(cdf, u * cdf[-1], side="right")
    return np.minimum(idx, len(cdf) - 1).astype(np.int64)


def poisson_ppf(u: np.ndarray | float, lam: float, *, minimum: int = 0) -> np.ndarray:
    """Poisson(lam) quantile of u, conditioned on the value being >= `minimum` (zero-truncated for 1).

    Exact inverse CDF for the rates used per row (basket sizes); large daily counts use the normal
    approximation with continuity correction, which is indistinguishable there.
    """
    u = np.asarray(u, dtype=np.float64)
    if lam <= 0:
        return np.full(u.shape, minimum, dtype=np.int64)
    if lam > 500 and minimum == 0:
        z = norm_ppf(np.clip(u, 1e-15, 1 - 1e-15))
        return np.maximum(np.floor(lam + np.sqrt(lam) * z + 0.5), 0).astype(np.int64)
    kmax = int(lam + 12 * np.sqrt(lam) + 20)
    k = np.arange(kmax + 1)
    logpmf = k * np.log(lam) - lam - np.cumsum(np.log(np.maximum(k, 1)))
    pmf = np.exp(logpmf)
    pmf[:minimum] = 0.0
    cdf = np.cumsum(pmf)
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, u, side="right"), kmax).astype(np.int64)
