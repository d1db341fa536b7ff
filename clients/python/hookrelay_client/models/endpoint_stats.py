from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.window_stats import WindowStats


T = TypeVar("T", bound="EndpointStats")


@_attrs_define
class EndpointStats:
    """
    Attributes:
        endpoint_id (str):
        windows (list[WindowStats]):
    """

    endpoint_id: str
    windows: list[WindowStats]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        endpoint_id = self.endpoint_id

        windows = []
        for windows_item_data in self.windows:
            windows_item = windows_item_data.to_dict()
            windows.append(windows_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "endpoint_id": endpoint_id,
                "windows": windows,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.window_stats import WindowStats  # noqa: PLC0415

        d = dict(src_dict)
        endpoint_id = d.pop("endpoint_id")

        windows = []
        _windows = d.pop("windows")
        for windows_item_data in _windows:
            windows_item = WindowStats.from_dict(windows_item_data)

            windows.append(windows_item)

        endpoint_stats = cls(
            endpoint_id=endpoint_id,
            windows=windows,
        )

        endpoint_stats.additional_properties = d
        return endpoint_stats

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
