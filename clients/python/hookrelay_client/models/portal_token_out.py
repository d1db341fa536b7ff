from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.portal_branding import PortalBranding


T = TypeVar("T", bound="PortalTokenOut")


@_attrs_define
class PortalTokenOut:
    """
    Attributes:
        branding (None | PortalBranding):
        created_at (datetime.datetime):
        description (str):
        expires_at (datetime.datetime):
        id (str):
        link_used_at (datetime.datetime | None):
        read_only (bool):
        revoked_at (datetime.datetime | None):
        tenant_id (str):
    """

    branding: None | PortalBranding
    created_at: datetime.datetime
    description: str
    expires_at: datetime.datetime
    id: str
    link_used_at: datetime.datetime | None
    read_only: bool
    revoked_at: datetime.datetime | None
    tenant_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.portal_branding import PortalBranding  # noqa: PLC0415

        branding: dict[str, Any] | None
        if isinstance(self.branding, PortalBranding):
            branding = self.branding.to_dict()
        else:
            branding = self.branding

        created_at = self.created_at.isoformat()

        description = self.description

        expires_at = self.expires_at.isoformat()

        id = self.id

        link_used_at: None | str
        if isinstance(self.link_used_at, datetime.datetime):
            link_used_at = self.link_used_at.isoformat()
        else:
            link_used_at = self.link_used_at

        read_only = self.read_only

        revoked_at: None | str
        if isinstance(self.revoked_at, datetime.datetime):
            revoked_at = self.revoked_at.isoformat()
        else:
            revoked_at = self.revoked_at

        tenant_id = self.tenant_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "branding": branding,
                "created_at": created_at,
                "description": description,
                "expires_at": expires_at,
                "id": id,
                "link_used_at": link_used_at,
                "read_only": read_only,
                "revoked_at": revoked_at,
                "tenant_id": tenant_id,
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

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        description = d.pop("description")

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        id = d.pop("id")

        def _parse_link_used_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                link_used_at_type_0 = datetime.datetime.fromisoformat(data)

                return link_used_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        link_used_at = _parse_link_used_at(d.pop("link_used_at"))

        read_only = d.pop("read_only")

        def _parse_revoked_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                revoked_at_type_0 = datetime.datetime.fromisoformat(data)

                return revoked_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        revoked_at = _parse_revoked_at(d.pop("revoked_at"))

        tenant_id = d.pop("tenant_id")

        portal_token_out = cls(
            branding=branding,
            created_at=created_at,
            description=description,
            expires_at=expires_at,
            id=id,
            link_used_at=link_used_at,
            read_only=read_only,
            revoked_at=revoked_at,
            tenant_id=tenant_id,
        )

        portal_token_out.additional_properties = d
        return portal_token_out

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
