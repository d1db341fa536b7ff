from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RecoveryOut")


@_attrs_define
class RecoveryOut:
    """
    Attributes:
        created_at (datetime.datetime):
        endpoint_id (str):
        finished_at (datetime.datetime | None):
        id (str):
        requeued (int):
        since (datetime.datetime):
        status (str):
        total (int):
        until (datetime.datetime | None):
    """

    created_at: datetime.datetime
    endpoint_id: str
    finished_at: datetime.datetime | None
    id: str
    requeued: int
    since: datetime.datetime
    status: str
    total: int
    until: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        endpoint_id = self.endpoint_id

        finished_at: None | str
        if isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        id = self.id

        requeued = self.requeued

        since = self.since.isoformat()

        status = self.status

        total = self.total

        until: None | str
        if isinstance(self.until, datetime.datetime):
            until = self.until.isoformat()
        else:
            until = self.until

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "endpoint_id": endpoint_id,
                "finished_at": finished_at,
                "id": id,
                "requeued": requeued,
                "since": since,
                "status": status,
                "total": total,
                "until": until,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        endpoint_id = d.pop("endpoint_id")

        def _parse_finished_at(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        finished_at = _parse_finished_at(d.pop("finished_at"))

        id = d.pop("id")

        requeued = d.pop("requeued")

        since = datetime.datetime.fromisoformat(d.pop("since"))

        status = d.pop("status")

        total = d.pop("total")

        def _parse_until(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                until_type_0 = datetime.datetime.fromisoformat(data)

                return until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        until = _parse_until(d.pop("until"))

        recovery_out = cls(
            created_at=created_at,
            endpoint_id=endpoint_id,
            finished_at=finished_at,
            id=id,
            requeued=requeued,
            since=since,
            status=status,
            total=total,
            until=until,
        )

        recovery_out.additional_properties = d
        return recovery_out

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
