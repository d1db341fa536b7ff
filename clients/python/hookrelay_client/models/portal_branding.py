from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.portal_branding_theme_type_0 import PortalBrandingThemeType0, check_portal_branding_theme_type_0
from ..types import UNSET, Unset

T = TypeVar("T", bound="PortalBranding")


@_attrs_define
class PortalBranding:
    """The portal page's look for one link, over the operator's ``PORTAL_*`` settings: each field left out keeps the
    operator's.

        Attributes:
            logo_url (None | str | Unset):
            name (None | str | Unset):
            primary_color (None | str | Unset):
            theme (None | PortalBrandingThemeType0 | Unset):
    """

    logo_url: None | str | Unset = UNSET
    name: None | str | Unset = UNSET
    primary_color: None | str | Unset = UNSET
    theme: None | PortalBrandingThemeType0 | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        logo_url: None | str | Unset
        if isinstance(self.logo_url, Unset):
            logo_url = UNSET
        else:
            logo_url = self.logo_url

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        primary_color: None | str | Unset
        if isinstance(self.primary_color, Unset):
            primary_color = UNSET
        else:
            primary_color = self.primary_color

        theme: None | str | Unset
        if isinstance(self.theme, Unset):
            theme = UNSET
        elif isinstance(self.theme, str):
            theme = self.theme
        else:
            theme = self.theme

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if logo_url is not UNSET:
            field_dict["logo_url"] = logo_url
        if name is not UNSET:
            field_dict["name"] = name
        if primary_color is not UNSET:
            field_dict["primary_color"] = primary_color
        if theme is not UNSET:
            field_dict["theme"] = theme

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_logo_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        logo_url = _parse_logo_url(d.pop("logo_url", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_primary_color(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        primary_color = _parse_primary_color(d.pop("primary_color", UNSET))

        def _parse_theme(data: object) -> None | PortalBrandingThemeType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                theme_type_0 = check_portal_branding_theme_type_0(data)

                return theme_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PortalBrandingThemeType0 | Unset, data)

        theme = _parse_theme(d.pop("theme", UNSET))

        portal_branding = cls(
            logo_url=logo_url,
            name=name,
            primary_color=primary_color,
            theme=theme,
        )

        return portal_branding
