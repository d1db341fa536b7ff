from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="InboundEventOut")


@_attrs_define
class InboundEventOut:
    """
    Attributes:
        cause (None | str):
        content_type (str):
        created_at (datetime.datetime):
        dedup_key (None | str):
        duplicate_of (None | str):
        event_type (None | str):
        id (str):
        message_id (None | str):
        method (str):
        outcome (str):
        source_id (str):
        url (str):
    """

    cause: None | str
    content_type: str
    created_at: datetime.datetime
    dedup_key: None | str
    duplicate_of: None | str
    event_type: None | str
    id: str
    message_id: None | str
    method: str
    outcome: str
    source_id: str
    url: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        cause: None | str
        cause = self.cause

        content_type = self.content_type

        created_at = self.created_at.isoformat()

        dedup_key: None | str
        dedup_key = self.dedup_key

        duplicate_of: None | str
        duplicate_of = self.duplicate_of

        event_type: None | str
        event_type = self.event_type

        id = self.id

        message_id: None | str
        message_id = self.message_id

        method = self.method

        outcome = self.outcome

        source_id = self.source_id

        url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "cause": cause,
                "content_type": content_type,
                "created_at": created_at,
                "dedup_key": dedup_key,
                "duplicate_of": duplicate_of,
                "event_type": event_type,
                "id": id,
                "message_id": message_id,
                "method": method,
                "outcome": outcome,
                "source_id": source_id,
                "url": url,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_cause(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        cause = _parse_cause(d.pop("cause"))

        content_type = d.pop("content_type")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        def _parse_dedup_key(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        dedup_key = _parse_dedup_key(d.pop("dedup_key"))

        def _parse_duplicate_of(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        duplicate_of = _parse_duplicate_of(d.pop("duplicate_of"))

        def _parse_event_type(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        event_type = _parse_event_type(d.pop("event_type"))

        id = d.pop("id")

        def _parse_message_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        message_id = _parse_message_id(d.pop("message_id"))

        method = d.pop("method")

        outcome = d.pop("outcome")

        source_id = d.pop("source_id")

        url = d.pop("url")

        inbound_event_out = cls(
            cause=cause,
            content_type=content_type,
            created_at=created_at,
            dedup_key=dedup_key,
            duplicate_of=duplicate_of,
            event_type=event_type,
            id=id,
            message_id=message_id,
            method=method,
            outcome=outcome,
            source_id=source_id,
            url=url,
        )

        inbound_event_out.additional_properties = d
        return inbound_event_out

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
