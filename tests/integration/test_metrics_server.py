"""A worker's and a scheduler's own metrics port answers behind ``METRICS_TOKEN`` as the API's
``/metrics`` does: real HTTP on 127.0.0.1."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from app.metrics import serve_process_metrics


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def metrics_url(request: pytest.FixtureRequest) -> Iterator[str]:
    port = _free_port()
    server = serve_process_metrics(port, "127.0.0.1", request.param)
    try:
        yield f"http://127.0.0.1:{port}/metrics"
    finally:
        server.shutdown()
        server.server_close()


def _get(url: str, authorization: str | None = None) -> tuple[int, bytes]:
    headers = {"authorization": authorization} if authorization else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read()


@pytest.mark.parametrize("metrics_url", ["scrape-me"], indirect=True)
def test_the_process_metrics_port_needs_the_token_when_one_is_set(metrics_url: str) -> None:
    assert _get(metrics_url) == (401, b'{"code":"metrics_token_required"}')
    assert _get(metrics_url, "Bearer wrong")[0] == 401
    status, body = _get(metrics_url, "Bearer scrape-me")
    assert status == 200
    assert b"hookrelay_messages_published_total" in body


@pytest.mark.parametrize("metrics_url", [""], indirect=True)
def test_the_process_metrics_port_is_open_without_a_token(metrics_url: str) -> None:
    status, body = _get(metrics_url)
    assert status == 200
    assert b"hookrelay_" in body
