"""Subscription matching: which messages an endpoint receives.

An endpoint receives a message when all three hold:

- its event type patterns select the message's type: a pattern is an exact name
  (``invoice.paid``), a prefix wildcard (``invoice.*`` matches every type under ``invoice.``, at
  any depth), or ``*`` for every type;
- its channels, when it has any, share at least one with the message (``None``: every message,
  with or without channels);
- its payload filter, when it has one, holds for the payload (``app.kit.filters``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from app.kit.filters import FilterError, Predicate, compile_filter


def matches(patterns: Iterable[str], event_type: str) -> bool:
    for pattern in patterns:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def channels_match(subscribed: Sequence[str] | None, channels: Sequence[str] | None) -> bool:
    if subscribed is None:
        return True
    return bool(channels) and any(channel in subscribed for channel in channels or ())


def _never(_: Any) -> bool:
    return False


class Subscription:
    """An endpoint's patterns, channels and compiled filter, checked against many messages."""

    __slots__ = ("channels", "event_types", "ordered", "predicate", "rate_limited")

    def __init__(
        self,
        event_types: Sequence[str],
        channels: Sequence[str] | None = None,
        payload_filter: Any = None,
        *,
        rate_limited: bool = False,
        ordered: bool = False,
    ) -> None:
        self.event_types = event_types
        self.channels = channels
        # The endpoint has a rate limit: its new deliveries are planned along its line
        # (``app.deliveries.planning``); publish skips that read for every other endpoint.
        self.rate_limited = rate_limited
        # Ordered delivery: publish puts its deliveries of keyed messages in their key's sequence.
        self.ordered = ordered
        self.predicate: Predicate | None = None
        if payload_filter is not None:
            try:
                self.predicate = compile_filter(payload_filter)
            except FilterError:  # stored filters were checked; a bad one matches nothing
                self.predicate = _never

    def accepts(self, event_type: str, channels: Sequence[str] | None, payload: Any) -> bool:
        return (
            matches(self.event_types, event_type)
            and channels_match(self.channels, channels)
            and (self.predicate is None or self.predicate(payload))
        )
