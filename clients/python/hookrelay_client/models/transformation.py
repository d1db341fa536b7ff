from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.transformation_headers import TransformationHeaders


T = TypeVar("T", bound="Transformation")


@_attrs_define
class Transformation:
    """How the payload is reshaped before it is signed and sent: a JMESPath ``expression`` over the payload (its result is
    the body) and ``headers`` added to the request (the same rules as the endpoint's ``headers``).

        Attributes:
            expression (str):
            headers (TransformationHeaders | Unset):
    """

    expression: str
    headers: TransformationHeaders | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        expression = self.expression

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "expression": expression,
            }
        )
        if headers is not UNSET:
            field_dict["headers"] = headers

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.transformation_headers import TransformationHeaders  # noqa: PLC0415

        d = dict(src_dict)
        expression = d.pop("expression")

        _headers = d.pop("headers", UNSET)
        headers: TransformationHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = TransformationHeaders.from_dict(_headers)

        transformation = cls(
            expression=expression,
            headers=headers,
        )

        return transformation
