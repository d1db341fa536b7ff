"""The portal page's security headers and settings, as pure functions of the settings."""

import pytest

from app.config import ConfigError, load_settings
from app.portal_web.access import content_security_policy
from app.portal_web.sign_in import safe_next


def test_frame_ancestors_default_none_and_operator_origins() -> None:
    assert "frame-ancestors 'none'" in content_security_policy(load_settings(environ={}))
    allowed = load_settings(
        environ={
            "HOOKRELAY_PORTAL_FRAME_ANCESTORS": "https://app.acme.example, http://localhost:3000"
        }
    )
    policy = content_security_policy(allowed)
    assert "frame-ancestors https://app.acme.example http://localhost:3000" in policy
    assert "script-src 'self'" in policy and "unsafe" not in policy


def test_logo_host_is_the_only_other_image_origin() -> None:
    settings = load_settings(
        environ={"HOOKRELAY_PORTAL_LOGO_URL": "https://cdn.acme.example/logo.svg"}
    )
    assert "img-src 'self' data: https://cdn.acme.example;" in content_security_policy(settings)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("HOOKRELAY_PORTAL_PRIMARY_COLOR", "red; } body { display: none"),
        ("HOOKRELAY_PORTAL_FRAME_ANCESTORS", "*"),
        ("HOOKRELAY_PORTAL_LOGO_URL", "javascript:alert(1)"),
        ("HOOKRELAY_PORTAL_THEME", "neon"),
    ],
)
def test_bad_white_label_values_stop_start_up_naming_the_variable(
    variable: str, value: str
) -> None:
    with pytest.raises(ConfigError, match=variable):
        load_settings(environ={variable: value})


def test_after_sign_in_only_portal_paths() -> None:
    assert safe_next("/portal/endpoints/ep_1") == "/portal/endpoints/ep_1"
    for outside in (
        "https://evil.example/",
        "//evil.example",
        "/portal//evil.example",
        "/api/v1/",
        "/portal/\\evil",
    ):
        assert safe_next(outside) == "/portal/endpoints"
