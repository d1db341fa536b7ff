"""Twilio: ``X-Twilio-Signature`` = base64 HMAC-SHA1 (key: the auth token) of the URL Twilio
called followed by every form parameter as ``name + value``, names sorted, each name's distinct
values sorted. A JSON body is signed through the URL instead: Twilio adds ``bodySHA256`` (hex
SHA-256 of the body) to the query and signs the URL alone. As Twilio's own validator does, the URL
is tried with and without its port (Twilio's side is inconsistent about ``:443``). A request
signed with a Webhooks Rule's SharedKey names its algorithm in
``X-Twilio-Webhooks-Signature-Settings`` (``key=…,algorithm=HMAC_SHA256``); the source's secret is
then that SharedKey.

No timestamp. Event type: ``message.<MessageStatus|SmsStatus>`` or ``call.<CallStatus>``, else a
JSON body's ``type``, else ``twilio``. Dedup: ``I-Twilio-Idempotency-Token``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from app.sources.providers import crypto, extract
from app.sources.providers.base import InboundRequest, Rejected
from app.sources.providers.preset import HmacPreset, Signed, header

_DEFAULT_PORTS = {"https": 443, "http": 80}
_ALGORITHMS: dict[str, crypto.Algorithm] = {"HMAC_SHA1": "sha1", "HMAC_SHA256": "sha256"}

_STATUS_FIELDS = (("MessageStatus", "message"), ("SmsStatus", "message"), ("CallStatus", "call"))


def url_variants(url: str) -> tuple[str, str]:
    """The URL with its port (the default one added if absent) and without any port."""
    parts = urlsplit(url)
    try:
        given_port = parts.port
    except ValueError:  # not a port: signed by nobody
        raise Rejected("signature_invalid", "the URL's port is not a number") from None
    host = parts.netloc.rpartition("@")[2]
    bare = host.rsplit(":", 1)[0] if given_port is not None else host
    port = given_port or _DEFAULT_PORTS.get(parts.scheme, 443)
    with_port = urlunsplit(parts._replace(netloc=f"{bare}:{port}"))
    return with_port, urlunsplit(parts._replace(netloc=bare))


def params_text(fields: list[tuple[str, str]]) -> str:
    values: dict[str, set[str]] = {}
    for name, value in fields:
        values.setdefault(name, set()).add(value)
    return "".join(name + value for name in sorted(values) for value in sorted(values[name]))


class Twilio(HmacPreset):
    name = "twilio"
    forwarded_headers = ("i-twilio-idempotency-token",)

    def signed(self, request: InboundRequest, options: Mapping[str, Any]) -> Signed:
        presented = header(request, "x-twilio-signature")
        body_hash = extract.first(extract.query(request.url), "bodySHA256")
        if body_hash is not None:
            if not crypto.any_equal(crypto.sha256_hex(request.body), [body_hash.lower()]):
                raise Rejected("signature_invalid", "the body does not match bodySHA256")
            suffix = ""
        else:
            suffix = params_text(extract.form_fields(request.body))
        messages = tuple((url + suffix).encode() for url in url_variants(request.url))
        return Signed(messages, (presented,), scheme=self._scheme(request))

    def _scheme(self, request: InboundRequest) -> crypto.Scheme:
        settings = crypto.pairs(
            request.headers.get("x-twilio-webhooks-signature-settings", ""), ","
        )
        algorithm = (extract.first(settings, "algorithm") or "HMAC_SHA1").upper()
        if algorithm not in _ALGORITHMS:
            raise Rejected("signature_invalid", f"Twilio signed with {algorithm}, unknown here")
        return crypto.Scheme(algorithm=_ALGORITHMS[algorithm], encoding="base64")

    def event_type(self, request: InboundRequest, doc: Any) -> str | None:
        if doc is not None:
            return super().event_type(request, doc) or "twilio"
        fields = extract.form_fields(request.body)
        for field, kind in _STATUS_FIELDS:
            if status := extract.first(fields, field):
                return f"{kind}.{status.lower()}"
        return "twilio"

    def dedup_key(self, request: InboundRequest, doc: Any) -> str | None:
        return request.headers.get("i-twilio-idempotency-token")
