from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.source_out_options import SourceOutOptions
    from ..models.source_secret_out import SourceSecretOut


T = TypeVar("T", bound="SourceOut")


@_attrs_define
class SourceOut:
    """
    Attributes:
        created_at (datetime.datetime):
        disabled (bool):
        id (str):
        ingest_url (str):
        name (str):
        options (SourceOutOptions):
        previous_ingest_url_expires_at (datetime.datetime | None):
        provider (str):
        secrets (list[SourceSecretOut]):
        updated_at (datetime.datetime):
    """

    created_at: datetime.datetime
    disabled: bool
    id: str
    ingest_url: str
    name: str
    options: SourceOutOptions
    previous_ingest_url_expires_at: datetime.datetime | None
    provider: str
    secrets: list[SourceSecretOut]
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        disabled = self.disabled

        id = self.id

        ingest_url = self.ingest_url

        name = self.name

        options = self.options.to_dict()

        previous_ingest_url_expires_at: None | str
        if isinstance(self.previous_ingest_url_expires_at, datetime.datetime):
            previous_ingest_url_expires_at = self.previous_ingest_url_expires_at.isoformat()
        else:
            previous_ingest_url_expires_at = self.previous_ingest_url_expires_at

        provider = self.provider

        secrets = []
        for secrets_item_data in self.secrets:
            secrets_item = secrets_item_data.to_dict()
            secrets.append(secrets_item)

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "disabled": disabled,
                "id": id,
                "ingest_url": ingest_url,
                "name": name,
                "options": options,
                "previous_ingest_url_expires_at": previous_ingest_url_expires_at,
                "provider": provider,
                "secrets": secrets,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.source_out_options import SourceOutOptions  # noqa: PLC0415
        from ..models.source_secret_out import SourceSecretOut  # noqa: PLC0415

        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        disabled = d.pop("disabled")

        id = d.pop("id")

        ingest_url = d.pop("ingest_url")

        name = d.pop("name")

        options = SourceOutOptions.from_dict(d.pop("options"))

        def _parse_previous_ingest_url_expires_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                previous_ingest_url_expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return previous_ingest_url_expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        previous_ingest_url_expires_at = _parse_previous_ingest_url_expires_at(d.pop("previous_ingest_url_expires_at"))

        provider = d.pop("provider")

        secrets = []
        _secrets = d.pop("secrets")
        for secrets_item_data in _secrets:
            secrets_item = SourceSecretOut.from_dict(secrets_item_data)

            secrets.append(secrets_item)

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        source_out = cls(
            created_at=created_at,
            disabled=disabled,
            id=id,
            ingest_url=ingest_url,
            name=name,
            options=options,
            previous_ingest_url_expires_at=previous_ingest_url_expires_at,
            provider=provider,
            secrets=secrets,
            updated_at=updated_at,
        )

        source_out.additional_properties = d
        return source_out

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
