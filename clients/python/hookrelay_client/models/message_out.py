from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.message_out_payload_type_0 import MessageOutPayloadType0


T = TypeVar("T", bound="MessageOut")


@_attrs_define
class MessageOut:
    """
    Attributes:
        channels (list[str] | None):
        created_at (datetime.datetime):
        event_id (None | str):
        event_type (str):
        id (str):
        payload (MessageOutPayloadType0 | None):
        tenant_id (str):
        ordering_key (None | str | Unset):
    """

    channels: list[str] | None
    created_at: datetime.datetime
    event_id: None | str
    event_type: str
    id: str
    payload: MessageOutPayloadType0 | None
    tenant_id: str
    ordering_key: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.message_out_payload_type_0 import MessageOutPayloadType0  # noqa: PLC0415

        channels: list[str] | None
        if isinstance(self.channels, list):
            channels = self.channels

        else:
            channels = self.channels

        created_at = self.created_at.isoformat()

        event_id: None | str
        event_id = self.event_id

        event_type = self.event_type

        id = self.id

        payload: dict[str, Any] | None
        if isinstance(self.payload, MessageOutPayloadType0):
            payload = self.payload.to_dict()
        else:
            payload = self.payload

        tenant_id = self.tenant_id

        ordering_key: None | str | Unset
        if isinstance(self.ordering_key, Unset):
            ordering_key = UNSET
        else:
            ordering_key = self.ordering_key

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "channels": channels,
                "created_at": created_at,
                "event_id": event_id,
                "event_type": event_type,
                "id": id,
                "payload": payload,
                "tenant_id": tenant_id,
            }
        )
        if ordering_key is not UNSET:
            field_dict["ordering_key"] = ordering_key

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.message_out_payload_type_0 import MessageOutPayloadType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_channels(data: object) -> list[str] | None:
            if data is None:
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                channels_type_0 = cast(list[str], data)

                return channels_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None, data)

        channels = _parse_channels(d.pop("channels"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_event_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        event_id = _parse_event_id(d.pop("event_id"))

        event_type = d.pop("event_type")

        id = d.pop("id")

        def _parse_payload(data: object) -> MessageOutPayloadType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                payload_type_0 = MessageOutPayloadType0.from_dict(data)

                return payload_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(MessageOutPayloadType0 | None, data)

        payload = _parse_payload(d.pop("payload"))

        tenant_id = d.pop("tenant_id")

        def _parse_ordering_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ordering_key = _parse_ordering_key(d.pop("ordering_key", UNSET))

        message_out = cls(
            channels=channels,
            created_at=created_at,
            event_id=event_id,
            event_type=event_type,
            id=id,
            payload=payload,
            tenant_id=tenant_id,
            ordering_key=ordering_key,
        )

        message_out.additional_properties = d
        return message_out

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
