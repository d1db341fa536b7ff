"""Endpoint URL rules that need no network: scheme, host, length, no credentials, egress policy."""

from urllib.parse import urlsplit

from app.errors import InvalidRequest
from app.kit.egress import EgressPolicy

MAX_URL_LENGTH = 2048


def check_endpoint_url(url: str, *, policy: EgressPolicy | None = None) -> str:
    """Return ``url`` if it is an absolute http(s) URL fit to deliver to; raise ``invalid_url``.

    With a ``policy``, a URL that plainly points inside (an internal IP literal in any spelling,
    ``localhost``, a metadata name) or is plain http when https is required raises
    ``blocked_url``. Names are not resolved here: DNS answers change, so the delivery-time check
    after resolution is what protects; this one gives the tenant an early, clear answer.
    """
    if len(url) > MAX_URL_LENGTH:
        raise InvalidRequest(f"url is longer than {MAX_URL_LENGTH} characters", code="invalid_url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidRequest(f"url is malformed: {exc}", code="invalid_url") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidRequest("url must start with http:// or https://", code="invalid_url")
    if not parts.hostname:
        raise InvalidRequest("url has no host", code="invalid_url")
    if parts.username or parts.password:
        raise InvalidRequest("url must not carry credentials", code="invalid_url")
    if port == 0:
        raise InvalidRequest("url port must be 1-65535", code="invalid_url")
    if any(c.isspace() for c in url):
        raise InvalidRequest("url contains white space", code="invalid_url")
    if policy is not None:
        _check_egress(policy, parts.scheme, parts.hostname)
    return url


def _check_egress(policy: EgressPolicy, scheme: str, host: str) -> None:
    if policy.blocked_scheme(scheme):
        raise InvalidRequest("url must use https on this server", code="blocked_url")
    reason = policy.blocked_host(host)
    if reason:
        raise InvalidRequest(
            f"url points to an address this server does not deliver to ({reason})",
            code="blocked_url",
        )
