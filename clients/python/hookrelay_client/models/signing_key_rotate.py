from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="SigningKeyRotate")


@_attrs_define
class SigningKeyRotate:
    """A secret key to rotate to (``whsk_``, 64 bytes or a 32-byte seed); omitted: one is made.

    Attributes:
        secret_key (None | str | Unset):
    """

    secret_key: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        secret_key: None | str | Unset
        if isinstance(self.secret_key, Unset):
            secret_key = UNSET
        else:
            secret_key = self.secret_key

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if secret_key is not UNSET:
            field_dict["secret_key"] = secret_key

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_secret_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        secret_key = _parse_secret_key(d.pop("secret_key", UNSET))

        signing_key_rotate = cls(
            secret_key=secret_key,
        )

        return signing_key_rotate
