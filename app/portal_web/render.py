"""Templates: one Jinja2 environment, autoescaping every value (payloads, headers and receiver
answers are the customer's or a stranger's text), and the filters the pages use."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from litestar.datastructures import Cookie
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Template
from litestar.template import TemplateConfig

from app.config import Settings
from app.portal_web.session import Viewer

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


def iso(value: datetime | None) -> str:
    return "" if value is None else value.isoformat(timespec="seconds")


def short_time(value: datetime | None) -> str:
    return "—" if value is None else value.strftime("%Y-%m-%d %H:%M:%S UTC")


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,  # a misspelt name fails the page's test, not silently blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(pretty_json=pretty_json, iso=iso, short_time=short_time, percent=percent)
    return env


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment()))


def brand(
    settings: Settings, viewer: Viewer | None = None, *, branding: dict[str, str] | None = None
) -> dict[str, str]:
    """The page's look: the link's own branding (minted with its token: the viewer's, or
    ``branding`` before there is a session) over the operator's."""
    own = branding or (viewer.principal.branding if viewer else None) or {}
    return {
        "name": own.get("name") or settings.portal_product_name,
        "logo_url": own.get("logo_url") or settings.portal_logo_url,
        "primary_color": own.get("primary_color") or settings.portal_primary_color,
        "theme": own.get("theme") or settings.portal_theme,
    }


def page(
    settings: Settings,
    name: str,
    *,
    viewer: Viewer | None = None,
    status_code: int = 200,
    cookies: list[Cookie] | None = None,
    headers: dict[str, str] | None = None,
    branding: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    """A page of the portal: ``name`` under templates/, with the brand and the viewer."""
    return Template(
        template_name=name,
        context={
            "brand": brand(settings, viewer, branding=branding),
            "viewer": viewer,
            "nav": "",
            **context,
        },
        status_code=status_code,
        media_type="text/html",
        cookies=cookies,
        headers=headers,
    )
