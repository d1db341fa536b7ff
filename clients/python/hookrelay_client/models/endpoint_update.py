from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="EndpointUpdate")


@_attrs_define
class EndpointUpdate:
    """Changes to an endpoint; omitted fields stay as they are.

    Attributes:
        description (str | Unset):
        disabled (bool | Unset):
        event_types (list[str] | Unset):
        rate_limit_per_second (int | None | Unset):
        url (str | Unset):
    """

    description: str | Unset = UNSET
    disabled: bool | Unset = UNSET
    event_types: list[str] | Unset = UNSET
    rate_limit_per_second: int | None | Unset = UNSET
    url: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        description = self.description

        disabled = self.disabled

        event_types: list[str] | Unset = UNSET
        if not isinstance(self.event_types, Unset):
            event_types = self.event_types

        rate_limit_per_second: int | None | Unset
        if isinstance(self.rate_limit_per_second, Unset):
            rate_limit_per_second = UNSET
        else:
            rate_limit_per_second = self.rate_limit_per_second

        url = self.url

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if description is not UNSET:
            field_dict["description"] = description
        if disabled is not UNSET:
            field_dict["disabled"] = disabled
        if event_types is not UNSET:
            field_dict["event_types"] = event_types
        if rate_limit_per_second is not UNSET:
            field_dict["rate_limit_per_second"] = rate_limit_per_second
        if url is not UNSET:
            field_dict["url"] = url

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        description = d.pop("description", UNSET)

        disabled = d.pop("disabled", UNSET)

        event_types = cast(list[str], d.pop("event_types", UNSET))

        def _parse_rate_limit_per_second(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rate_limit_per_second = _parse_rate_limit_per_second(d.pop("rate_limit_per_second", UNSET))

        url = d.pop("url", UNSET)

        endpoint_update = cls(
            description=description,
            disabled=disabled,
            event_types=event_types,
            rate_limit_per_second=rate_limit_per_second,
            url=url,
        )

        return endpoint_update
