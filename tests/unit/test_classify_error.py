import asyncio
import socket
import ssl

import aiohttp
import httpx
import pytest

from workers.delivery import classify_error


def caused(outer: BaseException, inner: BaseException) -> BaseException:
    outer.__cause__ = inner
    return outer


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (TimeoutError(), "timeout"),
        (httpx.ReadTimeout("slow"), "timeout"),
        (
            # httpx-aiohttp maps a refused connection to ConnectTimeout; the cause tells the truth.
            caused(httpx.ConnectTimeout("x"), ConnectionRefusedError(111, "refused")),
            "connection",
        ),
        (caused(httpx.ConnectError("x"), ssl.SSLCertVerificationError("bad cert")), "tls"),
        (
            caused(
                httpx.ConnectError("x"),
                aiohttp.ClientConnectorDNSError(
                    aiohttp.client_reqrep.ConnectionKey(
                        "nx.invalid", 443, True, True, None, None, None
                    ),
                    socket.gaierror(-2, "Name or service not known"),
                ),
            ),
            "dns",
        ),
        (httpx.RemoteProtocolError("garbage"), "connection"),
        (ValueError("?"), "other"),
        (asyncio.CancelledError(), "other"),
    ],
)
def test_error_kind(exc: BaseException, kind: str) -> None:
    assert classify_error(exc) == kind
