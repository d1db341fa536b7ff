"""Presets without an HMAC: ``none`` (no verification, chosen explicitly), ``basic_auth`` (the
secret is ``user:password``) and ``api_key`` (the secret is sent whole in a header named by the
option ``header``, default ``x-api-key``, after an optional ``prefix`` such as ``Bearer ``)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.sources.providers import crypto
from app.sources.providers.base import InboundRequest, Rejected
from app.sources.providers.preset import Preset, header


class NoVerification(Preset):
    name = "none"
    requires_secret = False


class BasicAuth(Preset):
    name = "basic_auth"

    def check_secret(self, value: str) -> str:
        if ":" not in super().check_secret(value):
            raise ValueError("a basic_auth secret is user:password")
        return value

    def check(
        self, request: InboundRequest, values: list[str], options: Mapping[str, Any], now: datetime
    ) -> str:
        scheme, _, token = header(request, "authorization", cause="auth_missing").partition(" ")
        if scheme.lower() != "basic":
            raise Rejected("auth_missing", "the Authorization header is not Basic")
        try:
            presented = base64.b64decode(token.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise Rejected("auth_invalid", "the Basic credentials are not base64") from None
        return _one_of(presented, values, "wrong user or password")


class ApiKey(Preset):
    name = "api_key"
    own_options = ("header", "prefix")

    def check_own_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        name = options.get("header", "x-api-key")
        prefix = options.get("prefix", "")
        if not isinstance(name, str) or not name.strip() or not isinstance(prefix, str):
            raise ValueError("header is a header name and prefix a string")
        return {"header": name.strip().lower(), "prefix": prefix}

    def check(
        self, request: InboundRequest, values: list[str], options: Mapping[str, Any], now: datetime
    ) -> str:
        name = options.get("header", "x-api-key")
        presented = header(request, name, cause="auth_missing")
        prefix = options.get("prefix", "")
        return _one_of(presented, [prefix + v for v in values], f"wrong key in {name}")


def _one_of(presented: str, values: list[str], detail: str) -> str:
    for value in values:
        if crypto.any_equal(value, [presented]):
            return value
    raise Rejected("auth_invalid", detail)
