from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.percentiles import Percentiles
    from ..models.window_stats_outcomes import WindowStatsOutcomes


T = TypeVar("T", bound="WindowStats")


@_attrs_define
class WindowStats:
    """
    Attributes:
        duration_ms (Percentiles):
        failed (int):
        outcomes (WindowStatsOutcomes):
        since (datetime.datetime):
        succeeded (int):
        success_rate (float | None):
        total (int):
        window (str):
    """

    duration_ms: Percentiles
    failed: int
    outcomes: WindowStatsOutcomes
    since: datetime.datetime
    succeeded: int
    success_rate: float | None
    total: int
    window: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        duration_ms = self.duration_ms.to_dict()

        failed = self.failed

        outcomes = self.outcomes.to_dict()

        since = self.since.isoformat()

        succeeded = self.succeeded

        success_rate: float | None
        success_rate = self.success_rate

        total = self.total

        window = self.window

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "duration_ms": duration_ms,
                "failed": failed,
                "outcomes": outcomes,
                "since": since,
                "succeeded": succeeded,
                "success_rate": success_rate,
                "total": total,
                "window": window,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.percentiles import Percentiles  # noqa: PLC0415
        from ..models.window_stats_outcomes import WindowStatsOutcomes  # noqa: PLC0415

        d = dict(src_dict)
        duration_ms = Percentiles.from_dict(d.pop("duration_ms"))

        failed = d.pop("failed")

        outcomes = WindowStatsOutcomes.from_dict(d.pop("outcomes"))

        since = datetime.datetime.fromisoformat(d.pop("since"))

        succeeded = d.pop("succeeded")

        def _parse_success_rate(data: object) -> float | None:
            if data is None:
                return data
            return cast(float | None, data)

        success_rate = _parse_success_rate(d.pop("success_rate"))

        total = d.pop("total")

        window = d.pop("window")

        window_stats = cls(
            duration_ms=duration_ms,
            failed=failed,
            outcomes=outcomes,
            since=since,
            succeeded=succeeded,
            success_rate=success_rate,
            total=total,
            window=window,
        )

        window_stats.additional_properties = d
        return window_stats

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
