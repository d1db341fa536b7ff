from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="DeliveryOut")


@_attrs_define
class DeliveryOut:
    """
    Attributes:
        attempt_count (int):
        created_at (datetime.datetime):
        endpoint_id (str):
        id (str):
        last_attempt_at (datetime.datetime | None):
        last_error_kind (None | str):
        last_status_code (int | None):
        message_id (str):
        next_attempt_at (datetime.datetime | None):
        status (str):
        trigger (str):
        updated_at (datetime.datetime):
        endpoint_deleted (bool | Unset):  Default: False.
        queued (bool | Unset):  Default: False.
    """

    attempt_count: int
    created_at: datetime.datetime
    endpoint_id: str
    id: str
    last_attempt_at: datetime.datetime | None
    last_error_kind: None | str
    last_status_code: int | None
    message_id: str
    next_attempt_at: datetime.datetime | None
    status: str
    trigger: str
    updated_at: datetime.datetime
    endpoint_deleted: bool | Unset = False
    queued: bool | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempt_count = self.attempt_count

        created_at = self.created_at.isoformat()

        endpoint_id = self.endpoint_id

        id = self.id

        last_attempt_at: None | str
        if isinstance(self.last_attempt_at, datetime.datetime):
            last_attempt_at = self.last_attempt_at.isoformat()
        else:
            last_attempt_at = self.last_attempt_at

        last_error_kind: None | str
        last_error_kind = self.last_error_kind

        last_status_code: int | None
        last_status_code = self.last_status_code

        message_id = self.message_id

        next_attempt_at: None | str
        if isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        status = self.status

        trigger = self.trigger

        updated_at = self.updated_at.isoformat()

        endpoint_deleted = self.endpoint_deleted

        queued = self.queued

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempt_count": attempt_count,
                "created_at": created_at,
                "endpoint_id": endpoint_id,
                "id": id,
                "last_attempt_at": last_attempt_at,
                "last_error_kind": last_error_kind,
                "last_status_code": last_status_code,
                "message_id": message_id,
                "next_attempt_at": next_attempt_at,
                "status": status,
                "trigger": trigger,
                "updated_at": updated_at,
            }
        )
        if endpoint_deleted is not UNSET:
            field_dict["endpoint_deleted"] = endpoint_deleted
        if queued is not UNSET:
            field_dict["queued"] = queued

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        attempt_count = d.pop("attempt_count")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        endpoint_id = d.pop("endpoint_id")

        id = d.pop("id")

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

        def _parse_last_error_kind(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error_kind = _parse_last_error_kind(d.pop("last_error_kind"))

        def _parse_last_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        last_status_code = _parse_last_status_code(d.pop("last_status_code"))

        message_id = d.pop("message_id")

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        status = d.pop("status")

        trigger = d.pop("trigger")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        endpoint_deleted = d.pop("endpoint_deleted", UNSET)

        queued = d.pop("queued", UNSET)

        delivery_out = cls(
            attempt_count=attempt_count,
            created_at=created_at,
            endpoint_id=endpoint_id,
            id=id,
            last_attempt_at=last_attempt_at,
            last_error_kind=last_error_kind,
            last_status_code=last_status_code,
            message_id=message_id,
            next_attempt_at=next_attempt_at,
            status=status,
            trigger=trigger,
            updated_at=updated_at,
            endpoint_deleted=endpoint_deleted,
            queued=queued,
        )

        delivery_out.additional_properties = d
        return delivery_out

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
