"""The base every preset extends: common options, no handshake, one event per request.

Options every preset takes:

- ``tolerance_seconds`` (presets that sign a time): the replay window, 1 s to 1 day, instead of
  the provider's own;
- ``dedup``: a locator (``extract``) to take the dedup key from instead of the preset's, or
  ``"off"``: no deduplication for this source;
- ``event_type``: a locator to take the event type from instead of the preset's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.sources.providers import crypto, extract
from app.sources.providers.base import (
    Handshake,
    InboundEvent,
    InboundRequest,
    Rejected,
    SourceSecret,
)

MAX_TOLERANCE_SECONDS = 86_400
DEFAULT_EVENT_TYPE = "webhook"


class Preset:
    """Defaults shared by the presets; a preset overrides what its provider does differently."""

    name: str = ""
    default_tolerance_seconds: int | None = None
    forwarded_headers: tuple[str, ...] = ()
    own_options: tuple[str, ...] = ()  # option names this preset takes besides the common ones
    signed_challenge = True  # a handshake is verified like an event (Meta's GET is not signed)
    requires_secret = True  # only ``none`` verifies nothing

    def check_secret(self, value: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("a secret is a non-empty string")
        return value

    def verify(
        self,
        request: InboundRequest,
        secrets: Sequence[SourceSecret],
        options: Mapping[str, Any],
        *,
        now: datetime,
    ) -> None:
        if self.requires_secret:
            self.check(request, crypto.usable(secrets, now=now), options, now)

    def check(
        self, request: InboundRequest, values: list[str], options: Mapping[str, Any], now: datetime
    ) -> str:
        """Verify ``request`` against the unexpired secret ``values``: the one that matched."""
        raise NotImplementedError

    def check_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(options, Mapping):
            raise ValueError("options is an object")
        common = ("tolerance_seconds", "dedup", "event_type")
        unknown = sorted(set(options) - set(common) - set(self.own_options))
        if unknown:
            raise ValueError(f"{self.name} takes no option {', '.join(unknown)}")
        checked: dict[str, Any] = {}
        if "tolerance_seconds" in options:
            checked["tolerance_seconds"] = self.check_tolerance(options["tolerance_seconds"])
        if "dedup" in options:
            dedup = options["dedup"]
            checked["dedup"] = "off" if dedup == "off" else extract.check_locator("dedup", dedup)
        if "event_type" in options:
            checked["event_type"] = extract.check_locator("event_type", options["event_type"])
        checked.update(self.check_own_options(options))
        return checked

    def check_tolerance(self, value: Any) -> int:
        if self.default_tolerance_seconds is None:
            raise ValueError(f"{self.name} signs no timestamp: tolerance_seconds does not apply")
        return tolerance(value)

    def check_own_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        return {}

    def tolerance_seconds(self, options: Mapping[str, Any]) -> int:
        value = options.get("tolerance_seconds", self.default_tolerance_seconds)
        assert value is not None, "only presets that sign a time ask for a tolerance"
        return int(value)

    def handshake(
        self,
        request: InboundRequest,
        secrets: Sequence[SourceSecret],
        options: Mapping[str, Any],
        *,
        now: datetime,
    ) -> Handshake | None:
        answer = self.challenge(request, options)
        if answer is None:
            return None
        if not self.signed_challenge:
            return answer("")
        # A signed challenge is answered only to the provider: a forged one is rejected.
        return answer(self.check(request, crypto.usable(secrets, now=now), options, now))

    def challenge(
        self, request: InboundRequest, options: Mapping[str, Any]
    ) -> Callable[[str], Handshake] | None:
        """When ``request`` is a handshake: its answer, given the secret that verified it."""
        return None

    def events(self, request: InboundRequest, options: Mapping[str, Any]) -> list[InboundEvent]:
        doc = extract.json_body(request.body)
        return [self.event(request, options, doc=doc, body=request.body)]

    def event(
        self, request: InboundRequest, options: Mapping[str, Any], *, doc: Any, body: bytes
    ) -> InboundEvent:
        """One event; ``doc`` is the parsed JSON of ``body`` (None when it is not JSON)."""
        type_locator = options.get("event_type")
        event_type = extract.locate(type_locator, request, doc) if type_locator else None
        dedup = options.get("dedup")
        if dedup == "off":
            dedup_key = None
        elif dedup:
            dedup_key = extract.locate(dedup, request, doc)
        else:
            dedup_key = self.dedup_key(request, doc)
        return InboundEvent(
            event_type=event_type or self.event_type(request, doc) or DEFAULT_EVENT_TYPE,
            dedup_key=dedup_key,
            body=body,
            content_type=request.headers.get("content-type") or "application/octet-stream",
        )

    def event_type(self, request: InboundRequest, doc: Any) -> str | None:
        """The provider's event type; the default reads a JSON body's ``type``."""
        return extract.scalar(doc.get("type")) if isinstance(doc, dict) else None

    def dedup_key(self, request: InboundRequest, doc: Any) -> str | None:
        return None


def tolerance(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("tolerance_seconds is an integer")
    if not 1 <= value <= MAX_TOLERANCE_SECONDS:
        raise ValueError(f"tolerance_seconds is between 1 and {MAX_TOLERANCE_SECONDS}")
    return value


def header(request: InboundRequest, name: str, *, cause: str = "signature_missing") -> str:
    """A header the scheme needs; its absence is ``cause``."""
    value = request.headers.get(name)
    if not value:
        raise Rejected(cause, f"the request has no {name} header")
    return value


@dataclass(frozen=True, slots=True)
class Signed:
    """What a request presents: the bytes the provider signed (any one of ``messages``: Twilio's
    URL with or without its default port), the signatures, and the signed time if any."""

    messages: tuple[bytes, ...]
    presented: tuple[str, ...]
    timestamp_seconds: float | None = None
    scheme: crypto.Scheme | None = None  # when the request names its algorithm (Twilio)


class HmacPreset(Preset):
    """A preset whose provider signs with an HMAC: ``signed`` reads the request, the rest is
    shared (usable secrets, constant-time match, then the replay window)."""

    scheme = crypto.Scheme()
    past_only = False  # Stripe and HubSpot bound only the age of a timestamp

    def signed(self, request: InboundRequest, options: Mapping[str, Any]) -> Signed:
        raise NotImplementedError

    def scheme_for(self, options: Mapping[str, Any]) -> crypto.Scheme:
        return self.scheme

    def check(
        self, request: InboundRequest, values: list[str], options: Mapping[str, Any], now: datetime
    ) -> str:
        signed = self.signed(request, options)
        secret = crypto.matching_secret(
            values, signed.messages, signed.presented, signed.scheme or self.scheme_for(options)
        )
        if signed.timestamp_seconds is not None:
            crypto.check_timestamp(
                signed.timestamp_seconds,
                now=now,
                tolerance_seconds=self.tolerance_seconds(options),
                past_only=self.past_only,
            )
        return secret
