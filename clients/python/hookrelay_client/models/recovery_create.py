from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RecoveryCreate")


@_attrs_define
class RecoveryCreate:
    """Try again every failed delivery of the endpoint whose message was made in [since, until).

    Attributes:
        since (str):
        until (None | str | Unset):
    """

    since: str
    until: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        since = self.since

        until: None | str | Unset
        if isinstance(self.until, Unset):
            until = UNSET
        else:
            until = self.until

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "since": since,
            }
        )
        if until is not UNSET:
            field_dict["until"] = until

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        since = d.pop("since")

        def _parse_until(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        until = _parse_until(d.pop("until", UNSET))

        recovery_create = cls(
            since=since,
            until=until,
        )

        return recovery_create
