"""The page's session and CSRF tokens, signed with the first of ``HOOKRELAY_SECRET_KEY``.

The session cookie holds a portal token's id and expiry, never the token: every request checks
the token's row through the API's ``Authenticator`` (same cache bound), so a session ends no
later than its token and a revocation ends it. A form's CSRF token is an HMAC of the session's
token id: a page of this origin can show it, another site cannot compute it. The sign-in form has
no session yet; its token is bound to a random nonce in a short-lived cookie (double submit).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar.datastructures import Cookie

from app.auth.service import Principal
from app.config import Settings
from app.kit.clock import utc_now

COOKIE = "hookrelay_portal"
LOGIN_COOKIE = "hookrelay_portal_login"
COOKIE_PATH = "/portal"
LOGIN_NONCE_SECONDS = 15 * 60


@dataclass(frozen=True, slots=True)
class Viewer:
    """Who a page is shown to: one tenant through one portal token."""

    principal: Principal
    tenant_id: str
    token_id: str
    csrf: str

    @property
    def read_only(self) -> bool:
        # A token minted with reduced rights carries read_only on its principal.
        return bool(getattr(self.principal, "read_only", False))


def _key(secret_key: str) -> bytes:
    return hashlib.sha256(b"hookrelay portal page\0" + secret_key.encode()).digest()


def _mac(secret_key: str, purpose: str, value: str) -> str:
    digest = hmac.new(_key(secret_key), f"{purpose}\0{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _valid(settings: Settings, purpose: str, value: str, mac: str) -> bool:
    # Every key checks, so a key rotation does not sign everybody out.
    return any(hmac.compare_digest(_mac(key, purpose, value), mac) for key in settings.secret_keys)


def csrf_for(settings: Settings, token_id: str) -> str:
    return _mac(settings.secret_keys[0], "csrf", token_id)


def csrf_ok(settings: Settings, token_id: str, given: str) -> bool:
    return _valid(settings, "csrf", token_id, given)


@dataclass
class PartitionedCookie(Cookie):
    """A cookie with the ``Partitioned`` attribute (CHIPS), which Python's ``SimpleCookie``
    learns only in 3.14."""

    def to_header(self, **kwargs: Any) -> str:
        return super().to_header(**kwargs) + "; Partitioned"


def _cookie(name: str, value: str, *, max_age: int, secure: bool, embeddable: bool) -> Cookie:
    """A cookie of the page. Embeddable (``PORTAL_FRAME_ANCESTORS`` set) and secure, it is
    ``SameSite=None; Secure; Partitioned``: inside a cross-site iframe a browser sends only
    ``SameSite=None`` cookies (which need ``Secure``), and browsers that block third-party cookies
    (Chromium does here) still keep a partitioned one, keyed to the embedding site, so the frame
    has its own session that no other site can read. Losing Lax's cross-site shield is covered by
    the CSRF token on every form. Otherwise ``Lax``."""
    kind = PartitionedCookie if embeddable and secure else Cookie
    return kind(
        key=name,
        value=value,
        path=COOKIE_PATH,
        max_age=max_age,
        httponly=True,
        secure=secure,
        samesite="none" if embeddable and secure else "lax",
    )


def session_cookie(
    settings: Settings, token_id: str, expires_at: datetime, *, secure: bool
) -> Cookie:
    expires = int(expires_at.timestamp())
    value = f"{token_id}.{expires}"
    signed = f"{value}.{_mac(settings.secret_keys[0], 'session', value)}"
    max_age = max(expires - int(utc_now().timestamp()), 0)
    embeddable = bool(settings.portal_frame_ancestors)
    return _cookie(COOKIE, signed, max_age=max_age, secure=secure, embeddable=embeddable)


def session_token_id(settings: Settings, cookie: str | None) -> str | None:
    """The token id of a valid, unexpired session cookie."""
    if not cookie or cookie.count(".") != 2:
        return None
    token_id, expires, mac = cookie.split(".")
    if not _valid(settings, "session", f"{token_id}.{expires}", mac):
        return None
    if not expires.isdigit() or int(expires) <= utc_now().timestamp():
        return None
    return token_id


def cleared(settings: Settings, *, secure: bool, name: str = COOKIE) -> Cookie:
    # With the attributes it was set with: a partitioned cookie is replaced only by one.
    embeddable = bool(settings.portal_frame_ancestors)
    return _cookie(name, "", max_age=0, secure=secure, embeddable=embeddable)


def login_nonce(settings: Settings, *, secure: bool) -> tuple[Cookie, str]:
    """A fresh sign-in nonce cookie and the CSRF token its form carries."""
    nonce = secrets.token_urlsafe(16)
    cookie = _cookie(
        LOGIN_COOKIE,
        nonce,
        max_age=LOGIN_NONCE_SECONDS,
        secure=secure,
        embeddable=bool(settings.portal_frame_ancestors),
    )
    return cookie, _mac(settings.secret_keys[0], "login", nonce)


def login_csrf_ok(settings: Settings, nonce: str | None, given: str) -> bool:
    return bool(nonce) and _valid(settings, "login", str(nonce), given)
