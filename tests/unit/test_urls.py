import pytest

from app.errors import InvalidRequest
from app.kit.urls import check_endpoint_url


@pytest.mark.parametrize(
    "url",
    ["https://example.com/hook", "http://127.0.0.1:9000/webhook", "https://h.example:8443/a?b=c"],
)
def test_absolute_http_urls_are_accepted(url: str) -> None:
    assert check_endpoint_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "example.com/hook",
        "https://",
        "https://user:pw@example.com/",
        "https://example.com:99999/",
        "https://exa mple.com/",
        "https://example.com/" + "a" * 3000,
    ],
)
def test_bad_urls_are_refused_with_a_code(url: str) -> None:
    with pytest.raises(InvalidRequest) as info:
        check_endpoint_url(url)
    assert info.value.code == "invalid_url"
    assert info.value.status_code == 422
