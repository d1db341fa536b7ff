from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="UndeliveredOut")


@_attrs_define
class UndeliveredOut:
    """
    Attributes:
        attempt_count (int):
        delivery_id (str):
        endpoint_id (str):
        event_type (str):
        last_attempt_at (datetime.datetime | None):
        message_created_at (datetime.datetime):
        message_id (str):
        status (str):
    """

    attempt_count: int
    delivery_id: str
    endpoint_id: str
    event_type: str
    last_attempt_at: datetime.datetime | None
    message_created_at: datetime.datetime
    message_id: str
    status: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempt_count = self.attempt_count

        delivery_id = self.delivery_id

        endpoint_id = self.endpoint_id

        event_type = self.event_type

        last_attempt_at: None | str
        if isinstance(self.last_attempt_at, datetime.datetime):
            last_attempt_at = self.last_attempt_at.isoformat()
        else:
            last_attempt_at = self.last_attempt_at

        message_created_at = self.message_created_at.isoformat()

        message_id = self.message_id

        status = self.status

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempt_count": attempt_count,
                "delivery_id": delivery_id,
                "endpoint_id": endpoint_id,
                "event_type": event_type,
                "last_attempt_at": last_attempt_at,
                "message_created_at": message_created_at,
                "message_id": message_id,
                "status": status,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempt_count = d.pop("attempt_count")

        delivery_id = d.pop("delivery_id")

        endpoint_id = d.pop("endpoint_id")

        event_type = d.pop("event_type")

        def _parse_last_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        last_attempt_at = _parse_last_attempt_at(d.pop("last_attempt_at"))

        message_created_at = datetime.datetime.fromisoformat(d.pop("message_created_at"))

        message_id = d.pop("message_id")

        status = d.pop("status")

        undelivered_out = cls(
            attempt_count=attempt_count,
            delivery_id=delivery_id,
            endpoint_id=endpoint_id,
            event_type=event_type,
            last_attempt_at=last_attempt_at,
            message_created_at=message_created_at,
            message_id=message_id,
            status=status,
        )

        undelivered_out.additional_properties = d
        return undelivered_out

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
