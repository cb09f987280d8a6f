"""Vectorized string builders: UUIDv7 ids, templated codes (phones, tracking numbers), decimal money.

Formatting a million ids one by one in Python costs seconds; these build the bytes of all rows at once
with numpy and hand the buffer to Arrow without copying.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pyarrow as pa

_U64 = np.uint64
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_DIGITS = np.frombuffer(b"0123456789", dtype=np.uint8)
_LETTERS = np.frombuffer(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
_ALNUM = np.frombuffer(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", dtype=np.uint8)
# The canonical form 8-4-4-4-12: hex digit ranges and where each group starts in the 36 characters.
_UUID_GROUPS = ((0, 8), (8, 12), (12, 16), (16, 20), (20, 32))
_UUID_DEST = (0, 9, 14, 19, 24)
_BLOCK = 1 << 15


def ascii_matrix_to_series(matrix: np.ndarray, name: str) -> pl.Series:
    """Rows of a (n, width) uint8 ASCII matrix as a polars String series, via one Arrow buffer."""
    n, width = matrix.shape
    data = np.ascontiguousarray(matrix, dtype=np.uint8).reshape(-1)
    offsets = np.arange(0, (n + 1) * width, width, dtype=np.int64)
    arr = pa.Array.from_buffers(pa.large_string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    return pl.Series(name, arr).cast(pl.String)


def uuid7(ts_us: np.ndarray, rand_a: np.ndarray, rand_b: np.ndarray, name: str) -> pl.Series:
    """RFC 9562 UUIDv7 strings: the row's own timestamp (ms) in the top 48 bits, 74 hashed bits below.

    Deriving the random part from the row's counter-based bits makes ids deterministic, and putting the
    row's time first keeps them time-ordered, as UUIDv7 intends.
    """
    ts_ms = np.maximum(np.asarray(ts_us, dtype=np.int64) // 1000, 0).astype(_U64)
    n = len(ts_ms)
    out = np.empty((n, 36), dtype=np.uint8)
    out[:, [8, 13, 18, 23]] = ord("-")
    # Blocks small enough for the temporaries to stay in cache.
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        m = stop - start
        raw = np.empty((m, 2), dtype=">u8")
        raw[:, 0] = (ts_ms[start:stop] << _U64(16)) | _U64(0x7000) | (rand_a[start:stop] & _U64(0x0FFF))
        raw[:, 1] = (rand_b[start:stop] & _U64(0x3FFF_FFFF_FFFF_FFFF)) | _U64(0x8000_0000_0000_0000)
        octets = raw.view(np.uint8).reshape(m, 16)
        hexed = np.empty((m, 32), dtype=np.uint8)
        hexed[:, 0::2] = octets >> 4
        hexed[:, 1::2] = octets & 0x0F
        letters = (hexed > 9).view(np.uint8) * np.uint8(39)  # '0' + 10 + 39 == 'a'
        hexed += np.uint8(48)
        hexed += letters
        for (src_lo, src_hi), dst in zip(_UUID_GROUPS, _UUID_DEST, strict=True):
            out[start:stop, dst : dst + src_hi - src_lo] = hexed[:, src_lo:src_hi]
    return ascii_matrix_to_series(out, name)


def _byte_map(alphabet: np.ndarray) -> np.ndarray:
    """The alphabet's symbol for each byte value b: alphabet[(b * len(alphabet)) >> 8]."""
    return alphabet[(np.arange(256, dtype=np.uint16) * len(alphabet)) >> 8]


def fill_templates(templates: list[str], which: np.ndarray, random: np.ndarray, name: str) -> pl.Series:
    """One string per row from `templates[which[row]]`: '#' a digit, '@' a capital letter, '*' either.

    All rows at once: the templates are gathered into a padded byte matrix, every placeholder is replaced
    from the row's random bytes (`random`, shape (n, >= longest template)), and the padding is dropped.
    """
    encoded = [t.encode("ascii") for t in templates]
    width = max((len(t) for t in encoded), default=0)
    if random.dtype != np.uint8:
        raise ValueError(f"random must be bytes (uint8), got {random.dtype}")
    if random.shape[1] < width:
        raise ValueError(f"templates up to {width} characters need as many random bytes per row")
    table = np.zeros((len(encoded), width), dtype=np.uint8)
    for i, t in enumerate(encoded):
        table[i, : len(t)] = np.frombuffer(t, dtype=np.uint8)
    lengths = np.array([len(t) for t in encoded], dtype=np.int64)[which]
    chars = table[which]
    rnd = random[:, :width]
    for placeholder, alphabet in ((b"#", _DIGITS), (b"@", _LETTERS), (b"*", _ALNUM)):
        if not (table == placeholder[0]).any():
            continue
        # Multiply-shift maps a byte onto the alphabet without a modulo (one lookup per byte value).
        picked = _byte_map(alphabet)[rnd]
        np.copyto(chars, picked, where=chars == placeholder[0])
    keep = np.arange(width) < lengths[:, None]
    data = chars[keep]
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    arr = pa.Array.from_buffers(pa.large_string(), len(which), [None, pa.py_buffer(offsets), pa.py_buffer(data)])
    return pl.Series(name, arr).cast(pl.String)


def decimal_money(minor_units: np.ndarray, name: str, precision: int = 12, scale: int = 2) -> pl.Series:
    """decimal(precision, scale) from integer minor units (cents), exactly: no float ever touches money."""
    units = np.asarray(minor_units, dtype=np.int64)
    words = np.empty((len(units), 2), dtype="<i8")
    words[:, 0] = units
    words[:, 1] = np.where(units < 0, -1, 0)
    arr = pa.Array.from_buffers(pa.decimal128(precision, scale), len(units), [None, pa.py_buffer(words)])
    return pl.Series(name, arr)


def timestamps(ts_us: np.ndarray, name: str) -> pl.Series:
    """UTC timestamps with microsecond precision."""
    return pl.Series(name, np.asarray(ts_us, dtype=np.int64)).cast(pl.Datetime("us", "UTC"))


def luhn_check_digit(payload_digits: np.ndarray) -> np.ndarray:
    """Luhn check digit for rows of digits (n, k), so that payload + check digit validates."""
    digits = np.asarray(payload_digits, dtype=np.int64)[:, ::-1]
    doubled = digits.copy()
    doubled[:, 0::2] *= 2
    doubled[doubled > 9] -= 9
    return (10 - doubled.sum(axis=1) % 10) % 10
