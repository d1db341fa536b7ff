from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="TenantCreate")


@_attrs_define
class TenantCreate:
    """A new tenant; ``uid`` is the platform's own id for this customer.

    Attributes:
        name (str):
        uid (str):
    """

    name: str
    uid: str

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        uid = self.uid

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "uid": uid,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        uid = d.pop("uid")

        tenant_create = cls(
            name=name,
            uid=uid,
        )

        return tenant_create
