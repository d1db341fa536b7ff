"""``generic_hmac``: an HMAC scheme described by the source's options.

- ``header`` (required): the header holding the signature;
- ``algorithm``: ``sha1``, ``sha256`` (default) or ``sha512``; ``encoding``: ``hex`` (default) or
  ``base64``; ``prefix``: text before the digest (``sha256=``); ``separator``: when the header lists
  several signatures (``" "``, ``","``), any one may match;
- ``key_encoding``: ``utf8`` (the secret string as is, default) or ``base64`` (after an optional
  ``whsec_``);
- ``signed``: what is signed, ``{body}`` (default) or a template over ``{body}``, ``{timestamp}``,
  ``{url}`` and ``{method}`` (``{timestamp}.{body}``); ``{body}`` is required (else the body is
  unsigned);
- ``timestamp``: where the signed time is, ``{"header": …}`` or ``{"json_path": …}``;
  ``timestamp_unit``: ``s`` (default) or ``ms``; ``tolerance_seconds``: its window, both ways
  (default 300).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from app.sources.providers import crypto, extract
from app.sources.providers.base import InboundRequest
from app.sources.providers.preset import HmacPreset, Signed, header

_PLACEHOLDER = re.compile(r"\{([a-z_]*)\}")
_FIELDS = ("body", "timestamp", "url", "method")


def _choice(options: Mapping[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = options.get(name, allowed[0])
    if value not in allowed:
        raise ValueError(f"{name} is one of {', '.join(allowed)}")
    return str(value)


def _text(options: Mapping[str, Any], name: str, default: str) -> str:
    value = options.get(name, default)
    if not isinstance(value, str):
        raise ValueError(f"{name} is a string")
    return value


def check_template(template: str, *, has_timestamp: bool) -> str:
    fields = _PLACEHOLDER.findall(template)
    if unknown := sorted(set(fields) - set(_FIELDS)):
        raise ValueError(f"signed names unknown fields {unknown}; use {{{'}, {'.join(_FIELDS)}}}")
    if "body" not in fields:
        raise ValueError("signed must include {body}")
    if "timestamp" in fields and not has_timestamp:
        raise ValueError("signed uses {timestamp}: say where it is with the option timestamp")
    return template


class GenericHmac(HmacPreset):
    name = "generic_hmac"
    default_tolerance_seconds = 300
    own_options = (
        "header",
        "algorithm",
        "encoding",
        "prefix",
        "separator",
        "key_encoding",
        "signed",
        "timestamp",
        "timestamp_unit",
    )

    def check_own_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        name = options.get("header")
        if not isinstance(name, str) or not name.strip():
            raise ValueError("header names the header that holds the signature")
        checked: dict[str, Any] = {
            "header": name.strip().lower(),
            "algorithm": _choice(options, "algorithm", ("sha256", "sha1", "sha512")),
            "encoding": _choice(options, "encoding", crypto.ENCODINGS),
            "prefix": _text(options, "prefix", ""),
            "key_encoding": _choice(options, "key_encoding", ("utf8", "base64")),
            "timestamp_unit": _choice(options, "timestamp_unit", ("s", "ms")),
        }
        if options.get("separator"):
            checked["separator"] = _text(options, "separator", "")
        if "timestamp" in options:
            checked["timestamp"] = extract.check_locator("timestamp", options["timestamp"])
            if "query" in checked["timestamp"]:
                raise ValueError("timestamp is a header or a JSON path")
        template = _text(options, "signed", "{body}")
        checked["signed"] = check_template(template, has_timestamp="timestamp" in checked)
        return checked

    def scheme_for(self, options: Mapping[str, Any]) -> crypto.Scheme:
        return crypto.Scheme(
            algorithm=cast(crypto.Algorithm, options.get("algorithm", "sha256")),
            encoding=cast(crypto.Encoding, options.get("encoding", "hex")),
            prefix=options.get("prefix", ""),
            key_mode=cast(crypto.KeyMode, options.get("key_encoding", "utf8")),
        )

    def signed(self, request: InboundRequest, options: Mapping[str, Any]) -> Signed:
        value = header(request, options["header"])
        separator = options.get("separator")
        presented = tuple(value.split(separator)) if separator else (value,)
        stamp, seconds = self._timestamp(request, options)
        parts = {"body": request.body, "timestamp": stamp.encode(), "url": request.url.encode()}
        parts["method"] = request.method.encode()
        pieces = _PLACEHOLDER.split(options.get("signed", "{body}"))
        # split() alternates literal text and field names: odd places are fields.
        message = b"".join(
            parts[piece] if i % 2 else piece.encode() for i, piece in enumerate(pieces)
        )
        return Signed((message,), tuple(p.strip() for p in presented), seconds)

    def _timestamp(
        self, request: InboundRequest, options: Mapping[str, Any]
    ) -> tuple[str, float | None]:
        locator = options.get("timestamp")
        if locator is None:
            return "", None
        stamp = extract.locate(locator, request, extract.json_body(request.body))
        unit_ms = options.get("timestamp_unit") == "ms"
        return str(stamp), crypto.parse_timestamp(stamp, unit_ms=unit_ms)
