"""Prefixed, time-ordered ids: ``msg_`` + 26 Crockford base32 chars (48-bit ms time, 80 random bits).

Sorting ids sorts by creation time (to the millisecond), which keyset pagination relies on.
"""

import os
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"


def new_id(prefix: str) -> str:
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return f"{prefix}_{''.join(reversed(chars))}"
