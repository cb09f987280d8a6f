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


_BLOCK = 1 << 16  # rows mixed at a time: the block and its temporary stay in the CPU's L2 cache
_SMALL = 1 << 15  # below this many values, whole-array arithmetic is as fast


def _mix_into(z: np.ndarray, tmp: np.ndarray) -> None:
    """_mix in place (tmp: scratch of z's length)."""
    np.right_shift(z, _U64(30), out=tmp)
    z ^= tmp
    z *= _M1
    np.right_shift(z, _U64(27), out=tmp)
    z ^= tmp
    z *= _M2
    np.right_shift(z, _U64(31), out=tmp)
    z ^= tmp


def _blocks(key: tuple[np.uint64, np.uint64], day: np.ndarray | int, row: np.ndarray | int):
    """The bits of a long 1-d draw, a cache-sized block at a time: (start, stop, block of uint64), the block
    reused between steps (copy what you keep before the next one)."""
    k1, k2 = key
    row = np.asarray(row)
    day = np.asarray(day)
    n = row.size if row.ndim else day.size
    row = np.broadcast_to(row, (n,))
    day = np.broadcast_to(day, (n,))
    z_buf = np.empty(min(n, _BLOCK), dtype=_U64)
    t_buf = np.empty(min(n, _BLOCK), dtype=_U64)
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        z, t = z_buf[: stop - start], t_buf[: stop - start]
        np.left_shift(row[start:stop].astype(_U64, copy=False), _U64(_DAY_BITS), out=z)
        z |= day[start:stop].astype(_U64, copy=False)
        z *= _GOLDEN
        z ^= k1
        _mix_into(z, t)
        z ^= k2
        _mix_into(z, t)
        yield start, stop, z


def _long(day: np.ndarray | int, row: np.ndarray | int) -> bool:
    """Whether a draw over (day, row) is 1-d and long enough to be worth mixing block by block."""
    if np.ndim(row) > 1 or np.ndim(day) > 1:
        return False
    if np.ndim(row) and np.ndim(day) and np.shape(row) != np.shape(day):
        return False  # broadcasting rules (and their errors) as in whole-array arithmetic
    return max(np.size(row), np.size(day)) >= _SMALL and bool(np.ndim(row) or np.ndim(day))


def bits(seed: int, table: str, column: str, day: np.ndarray | int, row: np.ndarray | int) -> np.ndarray:
    """64 random bits per (day, row): uint64 array broadcast over `day` and `row`."""
    key = column_key(seed, table, column)
    with np.errstate(over="ignore"):
        if _long(day, row):
            out = np.empty(max(np.size(row), np.size(day)), dtype=_U64)
            for start, stop, z in _blocks(key, day, row):
                out[start:stop] = z
            return out
        k1, k2 = key
        counter = (np.asarray(row, dtype=_U64) << _U64(_DAY_BITS)) | np.asarray(day, dtype=_U64)
        return _mix(_mix(counter * _GOLDEN ^ k1) ^ k2)


def random_bytes(
    seed: int, table: str, column: str, day: np.ndarray | int, row: np.ndarray | int, n_bytes: int
) -> np.ndarray:
    """(rows, n_bytes) uniform random bytes per row, e.g. for the characters of a code."""
    words = -(-n_bytes // 8)
    stacked = np.stack([bits(seed, table, f"{column}#{k}", day, row) for k in range(words)], axis=1)
    return stacked.view(np.uint8).reshape(len(stacked), words * 8)[:, :n_bytes]


def _unit(seed: int, table: str, column: str, day: np.ndarray | int, row: np.ndarray | int, half: float) -> np.ndarray:
    """(top 53 bits + half) / 2**53 as float64, block by block for long draws."""
    key = column_key(seed, table, column)
    if not _long(day, row):
        z = (bits(seed, table, column, day, row) >> _U64(11)).astype(np.float64)
        return z * _INV_2_53 if half == 0 else (z + half) * _INV_2_53
    out = np.empty(max(np.size(row), np.size(day)), dtype=np.float64)
    with np.errstate(over="ignore"):
        for start, stop, z in _blocks(key, day, row):
            z >>= _U64(11)
            f = out[start:stop]
            f[:] = z
            if half:
                f += half
            f *= _INV_2_53
    return out


def uniform(seed: int, table: str, column: str, day: np.ndarray | int, row: np.ndarray | int) -> np.ndarray:
    """Uniform floats in [0, 1) with 53 bits of precision."""
    return _unit(seed, table, column, day, row, 0.0)


def uniform_open(seed: int, table: str, column: str, day: np.ndarray | int, row: np.ndarray | int) -> np.ndarray:
    """Uniform floats in (0, 1): safe for inverse CDFs that diverge at 0."""
    return _unit(seed, table, column, day, row, 0.5)


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


class SortedIndex:
    """`np.searchsorted(cdf, x, side="right")` for a fixed sorted array, by a guide table instead of a binary search.

    Buckets split [0, cdf[-1]] evenly; bucket(v) = trunc(clip(v * scale)) is monotone, so every entry of a
    bucket below x's is <= x and every entry of a bucket above is > x: the answer is the number of entries in
    lower buckets plus those of x's own bucket that are <= x. Buckets are made fine enough that at most `run`
    entries share one (where they can be: equal entries cannot be told apart, and the table stays small), so
    that last count is a few vectorized steps. Exactly searchsorted's answer for any x but NaN (the same float
    comparisons), at a few array passes instead of a branchy search per value.
    """

    __slots__ = ("_padded", "_run", "_scale", "_start", "_top_bucket")

    def __init__(self, cdf: np.ndarray, *, run: int = 2) -> None:
        cdf = np.asarray(cdf, dtype=np.float64)
        if cdf.ndim != 1 or not len(cdf) or not np.all(np.diff(cdf) >= 0) or not cdf[-1] > 0:
            raise ValueError("SortedIndex needs a non-empty ascending array with a positive last value")
        # Equal entries always share a bucket: finer buckets cannot separate them.
        ends = np.flatnonzero(np.diff(cdf) != 0)
        equal = int(np.diff(np.concatenate([[-1], ends, [len(cdf) - 1]])).max())
        run, most = max(run, equal), max(1 << 16, 64 * len(cdf))
        buckets = 2 * len(cdf)
        while True:
            self._top_bucket = buckets - 1
            self._scale = buckets / float(cdf[-1])
            counts = np.bincount(self._bucket(cdf), minlength=buckets)
            if counts.max() <= run or buckets >= most:
                break
            buckets *= 2
        self._run = int(counts.max())
        self._start = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self._padded = np.append(cdf, np.inf)  # the step past the last entry never advances

    def _bucket(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):  # beyond the float range: the last bucket anyway
            y = np.multiply(x, self._scale)
        np.clip(y, 0, self._top_bucket, out=y)
        return y.astype(np.int64)

    def right(self, x: np.ndarray) -> np.ndarray:
        """Number of entries <= x, for each x (int64)."""
        x = np.asarray(x, dtype=np.float64)
        idx = self._start[self._bucket(x)]
        for _ in range(self._run):
            idx += self._padded[idx] <= x
        return idx


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
