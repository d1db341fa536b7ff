from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OrderingKeyOut")


@_attrs_define
class OrderingKeyOut:
    """
    Attributes:
        head_delivery_id (None | str):
        head_message_id (None | str):
        held_since (datetime.datetime | None):
        ordering_key (str):
        queued (int):
    """

    head_delivery_id: None | str
    head_message_id: None | str
    held_since: datetime.datetime | None
    ordering_key: str
    queued: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        head_delivery_id: None | str
        head_delivery_id = self.head_delivery_id

        head_message_id: None | str
        head_message_id = self.head_message_id

        held_since: None | str
        if isinstance(self.held_since, datetime.datetime):
            held_since = self.held_since.isoformat()
        else:
            held_since = self.held_since

        ordering_key = self.ordering_key

        queued = self.queued

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "head_delivery_id": head_delivery_id,
                "head_message_id": head_message_id,
                "held_since": held_since,
                "ordering_key": ordering_key,
                "queued": queued,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_head_delivery_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        head_delivery_id = _parse_head_delivery_id(d.pop("head_delivery_id"))

        def _parse_head_message_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        head_message_id = _parse_head_message_id(d.pop("head_message_id"))

        def _parse_held_since(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                held_since_type_0 = datetime.datetime.fromisoformat(data)

                return held_since_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        held_since = _parse_held_since(d.pop("held_since"))

        ordering_key = d.pop("ordering_key")

        queued = d.pop("queued")

        ordering_key_out = cls(
            head_delivery_id=head_delivery_id,
            head_message_id=head_message_id,
            held_since=held_since,
            ordering_key=ordering_key,
            queued=queued,
        )

        ordering_key_out.additional_properties = d
        return ordering_key_out

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
