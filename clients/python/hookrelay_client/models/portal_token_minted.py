from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.portal_branding import PortalBranding


T = TypeVar("T", bound="PortalTokenMinted")


@_attrs_define
class PortalTokenMinted:
    """
    Attributes:
        branding (None | PortalBranding):
        expires_at (datetime.datetime):
        id (str):
        magic_link (str):
        read_only (bool):
        tenant_id (str):
        token (str):
    """

    branding: None | PortalBranding
    expires_at: datetime.datetime
    id: str
    magic_link: str
    read_only: bool
    tenant_id: str
    token: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.portal_branding import PortalBranding  # noqa: PLC0415

        branding: dict[str, Any] | None
        if isinstance(self.branding, PortalBranding):
            branding = self.branding.to_dict()
        else:
            branding = self.branding

        expires_at = self.expires_at.isoformat()

        id = self.id

        magic_link = self.magic_link

        read_only = self.read_only

        tenant_id = self.tenant_id

        token = self.token

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "branding": branding,
                "expires_at": expires_at,
                "id": id,
                "magic_link": magic_link,
                "read_only": read_only,
                "tenant_id": tenant_id,
                "token": token,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.portal_branding import PortalBranding  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_branding(data: object) -> None | PortalBranding:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                branding_type_0 = PortalBranding.from_dict(data)

                return branding_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PortalBranding, data)

        branding = _parse_branding(d.pop("branding"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        id = d.pop("id")

        magic_link = d.pop("magic_link")

        read_only = d.pop("read_only")

        tenant_id = d.pop("tenant_id")

        token = d.pop("token")

        portal_token_minted = cls(
            branding=branding,
            expires_at=expires_at,
            id=id,
            magic_link=magic_link,
            read_only=read_only,
            tenant_id=tenant_id,
            token=token,
        )

        portal_token_minted.additional_properties = d
        return portal_token_minted

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
