from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SourceSecretIn")


@_attrs_define
class SourceSecretIn:
    """A provider secret as the provider shows it (prefix included, e.g. ``whsec_…``); after ``expires_at`` it no longer
    verifies (the overlap of a provider-side rotation).

        Attributes:
            value (str):
            expires_at (None | str | Unset):
    """

    value: str
    expires_at: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        value = self.value

        expires_at: None | str | Unset
        if isinstance(self.expires_at, Unset):
            expires_at = UNSET
        else:
            expires_at = self.expires_at

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "value": value,
            }
        )
        if expires_at is not UNSET:
            field_dict["expires_at"] = expires_at

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        value = d.pop("value")

        def _parse_expires_at(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        expires_at = _parse_expires_at(d.pop("expires_at", UNSET))

        source_secret_in = cls(
            value=value,
            expires_at=expires_at,
        )

        return source_secret_in
