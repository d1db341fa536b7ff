from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SeriesPoint")


@_attrs_define
class SeriesPoint:
    """
    Attributes:
        failed (int):
        mean_duration_ms (int | None):
        start (datetime.datetime):
        succeeded (int):
    """

    failed: int
    mean_duration_ms: int | None
    start: datetime.datetime
    succeeded: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        failed = self.failed

        mean_duration_ms: int | None
        mean_duration_ms = self.mean_duration_ms

        start = self.start.isoformat()

        succeeded = self.succeeded

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "failed": failed,
                "mean_duration_ms": mean_duration_ms,
                "start": start,
                "succeeded": succeeded,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        failed = d.pop("failed")

        def _parse_mean_duration_ms(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        mean_duration_ms = _parse_mean_duration_ms(d.pop("mean_duration_ms"))

        start = datetime.datetime.fromisoformat(d.pop("start"))

        succeeded = d.pop("succeeded")

        series_point = cls(
            failed=failed,
            mean_duration_ms=mean_duration_ms,
            start=start,
            succeeded=succeeded,
        )

        series_point.additional_properties = d
        return series_point

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
