import asyncio
import socket
import ssl

import aiohttp
import pytest

from workers.delivery import classify_error


def caused(outer: BaseException, inner: BaseException) -> BaseException:
    outer.__cause__ = inner
    return outer


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (TimeoutError(), "timeout"),
        (aiohttp.SocketTimeoutError("slow"), "timeout"),
        (ConnectionRefusedError(111, "refused"), "connection"),
        (caused(aiohttp.ClientOSError("x"), ssl.SSLCertVerificationError("bad cert")), "tls"),
        (
            caused(
                aiohttp.ClientError("x"),
                aiohttp.ClientConnectorDNSError(
                    aiohttp.client_reqrep.ConnectionKey(
                        "nx.invalid", 443, True, True, None, None, None
                    ),
                    socket.gaierror(-2, "Name or service not known"),
                ),
            ),
            "dns",
        ),
        (aiohttp.ServerDisconnectedError(), "connection"),
        (ValueError("?"), "other"),
        (asyncio.CancelledError(), "other"),
    ],
)
def test_error_kind(exc: BaseException, kind: str) -> None:
    assert classify_error(exc) == kind
