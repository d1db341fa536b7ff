from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SigningKeyOut")


@_attrs_define
class SigningKeyOut:
    """
    Attributes:
        algorithm (str):
        endpoint_id (str):
        id (str):
        public_key (str):
        status (str):
        valid_from (datetime.datetime):
        valid_until (datetime.datetime | None):
    """

    algorithm: str
    endpoint_id: str
    id: str
    public_key: str
    status: str
    valid_from: datetime.datetime
    valid_until: datetime.datetime | None
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        algorithm = self.algorithm

        endpoint_id = self.endpoint_id

        id = self.id

        public_key = self.public_key

        status = self.status

        valid_from = self.valid_from.isoformat()

        valid_until: None | str
        if isinstance(self.valid_until, datetime.datetime):
            valid_until = self.valid_until.isoformat()
        else:
            valid_until = self.valid_until

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "algorithm": algorithm,
                "endpoint_id": endpoint_id,
                "id": id,
                "public_key": public_key,
                "status": status,
                "valid_from": valid_from,
                "valid_until": valid_until,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        algorithm = d.pop("algorithm")

        endpoint_id = d.pop("endpoint_id")

        id = d.pop("id")

        public_key = d.pop("public_key")

        status = d.pop("status")

        valid_from = datetime.datetime.fromisoformat(d.pop("valid_from"))

        def _parse_valid_until(data: object) -> datetime.datetime | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                valid_until_type_0 = datetime.datetime.fromisoformat(data)

                return valid_until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None, data)

        valid_until = _parse_valid_until(d.pop("valid_until"))

        signing_key_out = cls(
            algorithm=algorithm,
            endpoint_id=endpoint_id,
            id=id,
            public_key=public_key,
            status=status,
            valid_from=valid_from,
            valid_until=valid_until,
        )

        signing_key_out.additional_properties = d
        return signing_key_out

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
