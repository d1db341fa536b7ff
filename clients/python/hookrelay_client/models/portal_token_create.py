from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.portal_branding import PortalBranding


T = TypeVar("T", bound="PortalTokenCreate")


@_attrs_define
class PortalTokenCreate:
    """A new portal token; ``expires_in_seconds`` defaults to ``HOOKRELAY_PORTAL_TOKEN_TTL_SECONDS``.

    Attributes:
        branding (None | PortalBranding | Unset):
        description (str | Unset):  Default: ''.
        expires_in_seconds (int | None | Unset):
        read_only (bool | Unset):  Default: False.
    """

    branding: None | PortalBranding | Unset = UNSET
    description: str | Unset = ""
    expires_in_seconds: int | None | Unset = UNSET
    read_only: bool | Unset = False

    def to_dict(self) -> dict[str, Any]:
        from ..models.portal_branding import PortalBranding  # noqa: PLC0415

        branding: dict[str, Any] | None | Unset
        if isinstance(self.branding, Unset):
            branding = UNSET
        elif isinstance(self.branding, PortalBranding):
            branding = self.branding.to_dict()
        else:
            branding = self.branding

        description = self.description

        expires_in_seconds: int | None | Unset
        if isinstance(self.expires_in_seconds, Unset):
            expires_in_seconds = UNSET
        else:
            expires_in_seconds = self.expires_in_seconds

        read_only = self.read_only

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if branding is not UNSET:
            field_dict["branding"] = branding
        if description is not UNSET:
            field_dict["description"] = description
        if expires_in_seconds is not UNSET:
            field_dict["expires_in_seconds"] = expires_in_seconds
        if read_only is not UNSET:
            field_dict["read_only"] = read_only

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.portal_branding import PortalBranding  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_branding(data: object) -> None | PortalBranding | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                branding_type_0 = PortalBranding.from_dict(data)

                return branding_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PortalBranding | Unset, data)

        branding = _parse_branding(d.pop("branding", UNSET))

        description = d.pop("description", UNSET)

        def _parse_expires_in_seconds(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        expires_in_seconds = _parse_expires_in_seconds(d.pop("expires_in_seconds", UNSET))

        read_only = d.pop("read_only", UNSET)

        portal_token_create = cls(
            branding=branding,
            description=description,
            expires_in_seconds=expires_in_seconds,
            read_only=read_only,
        )

        return portal_token_create
