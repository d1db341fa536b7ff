from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="AttemptOut")


@_attrs_define
class AttemptOut:
    """
    Attributes:
        attempt_number (int):
        created_at (datetime.datetime):
        delivery_id (str):
        duration_ms (int):
        endpoint_id (str):
        error_detail (None | str):
        error_kind (None | str):
        id (str):
        message_id (str):
        response_body (str):
        status (str):
        status_code (int | None):
        trigger (str):
    """

    attempt_number: int
    created_at: datetime.datetime
    delivery_id: str
    duration_ms: int
    endpoint_id: str
    error_detail: None | str
    error_kind: None | str
    id: str
    message_id: str
    response_body: str
    status: str
    status_code: int | None
    trigger: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempt_number = self.attempt_number

        created_at = self.created_at.isoformat()

        delivery_id = self.delivery_id

        duration_ms = self.duration_ms

        endpoint_id = self.endpoint_id

        error_detail: None | str
        error_detail = self.error_detail

        error_kind: None | str
        error_kind = self.error_kind

        id = self.id

        message_id = self.message_id

        response_body = self.response_body

        status = self.status

        status_code: int | None
        status_code = self.status_code

        trigger = self.trigger

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempt_number": attempt_number,
                "created_at": created_at,
                "delivery_id": delivery_id,
                "duration_ms": duration_ms,
                "endpoint_id": endpoint_id,
                "error_detail": error_detail,
                "error_kind": error_kind,
                "id": id,
                "message_id": message_id,
                "response_body": response_body,
                "status": status,
                "status_code": status_code,
                "trigger": trigger,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempt_number = d.pop("attempt_number")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        delivery_id = d.pop("delivery_id")

        duration_ms = d.pop("duration_ms")

        endpoint_id = d.pop("endpoint_id")

        def _parse_error_detail(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error_detail = _parse_error_detail(d.pop("error_detail"))

        def _parse_error_kind(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error_kind = _parse_error_kind(d.pop("error_kind"))

        id = d.pop("id")

        message_id = d.pop("message_id")

        response_body = d.pop("response_body")

        status = d.pop("status")

        def _parse_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        status_code = _parse_status_code(d.pop("status_code"))

        trigger = d.pop("trigger")

        attempt_out = cls(
            attempt_number=attempt_number,
            created_at=created_at,
            delivery_id=delivery_id,
            duration_ms=duration_ms,
            endpoint_id=endpoint_id,
            error_detail=error_detail,
            error_kind=error_kind,
            id=id,
            message_id=message_id,
            response_body=response_body,
            status=status,
            status_code=status_code,
            trigger=trigger,
        )

        attempt_out.additional_properties = d
        return attempt_out

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
