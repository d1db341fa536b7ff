"""Subscription matching: which event types an endpoint's patterns select.

A pattern is an exact name (``invoice.paid``), a prefix wildcard (``invoice.*`` matches every type
under ``invoice.``, at any depth), or ``*`` for every type.
"""

from collections.abc import Iterable


def matches(patterns: Iterable[str], event_type: str) -> bool:
    for pattern in patterns:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False
