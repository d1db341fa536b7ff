from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.transformation_preview_headers import TransformationPreviewHeaders


T = TypeVar("T", bound="TransformationPreview")


@_attrs_define
class TransformationPreview:
    """A JMESPath ``expression`` (and ``headers``) to try on a sample ``payload``.

    Attributes:
        expression (str):
        payload (Any):
        headers (TransformationPreviewHeaders | Unset):
    """

    expression: str
    payload: Any
    headers: TransformationPreviewHeaders | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        expression = self.expression

        payload = self.payload

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "expression": expression,
                "payload": payload,
            }
        )
        if headers is not UNSET:
            field_dict["headers"] = headers

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.transformation_preview_headers import TransformationPreviewHeaders  # noqa: PLC0415

        d = dict(src_dict)
        expression = d.pop("expression")

        payload = d.pop("payload")

        _headers = d.pop("headers", UNSET)
        headers: TransformationPreviewHeaders | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = TransformationPreviewHeaders.from_dict(_headers)

        transformation_preview = cls(
            expression=expression,
            payload=payload,
            headers=headers,
        )

        return transformation_preview
