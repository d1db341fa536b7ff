import asyncio
import socket
import ssl

import pytest

from workers.delivery import classify_error
from workers.http import ResponseError


def caused(outer: BaseException, inner: BaseException) -> BaseException:
    outer.__cause__ = inner
    return outer


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (TimeoutError(), "timeout"),
        (caused(RuntimeError("x"), TimeoutError()), "timeout"),
        (ConnectionRefusedError(111, "refused"), "connection"),
        (ssl.SSLCertVerificationError("bad cert"), "tls"),
        (caused(OSError("x"), ssl.SSLError("handshake")), "tls"),
        (socket.gaierror(-2, "Name or service not known"), "dns"),
        (ResponseError("closed before answering"), "connection"),
        (ValueError("?"), "other"),
        (asyncio.CancelledError(), "other"),
    ],
)
def test_error_kind(exc: BaseException, kind: str) -> None:
    assert classify_error(exc) == kind
