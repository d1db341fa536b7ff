from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.endpoint_transformation_preview_headers_type_0 import EndpointTransformationPreviewHeadersType0


T = TypeVar("T", bound="EndpointTransformationPreview")


@_attrs_define
class EndpointTransformationPreview:
    """What to preview: the endpoint's saved transformation, or ``expression`` (and ``headers``) if given, on ``payload``
    or on the payload of the past message ``message_id`` (exactly one of the two).

        Attributes:
            expression (None | str | Unset):
            headers (EndpointTransformationPreviewHeadersType0 | None | Unset):
            message_id (None | str | Unset):
            payload (Any | Unset):
    """

    expression: None | str | Unset = UNSET
    headers: EndpointTransformationPreviewHeadersType0 | None | Unset = UNSET
    message_id: None | str | Unset = UNSET
    payload: Any | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.endpoint_transformation_preview_headers_type_0 import EndpointTransformationPreviewHeadersType0  # noqa: PLC0415

        expression: None | str | Unset
        if isinstance(self.expression, Unset):
            expression = UNSET
        else:
            expression = self.expression

        headers: dict[str, Any] | None | Unset
        if isinstance(self.headers, Unset):
            headers = UNSET
        elif isinstance(self.headers, EndpointTransformationPreviewHeadersType0):
            headers = self.headers.to_dict()
        else:
            headers = self.headers

        message_id: None | str | Unset
        if isinstance(self.message_id, Unset):
            message_id = UNSET
        else:
            message_id = self.message_id

        payload = self.payload

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if expression is not UNSET:
            field_dict["expression"] = expression
        if headers is not UNSET:
            field_dict["headers"] = headers
        if message_id is not UNSET:
            field_dict["message_id"] = message_id
        if payload is not UNSET:
            field_dict["payload"] = payload

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.endpoint_transformation_preview_headers_type_0 import EndpointTransformationPreviewHeadersType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_expression(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        expression = _parse_expression(d.pop("expression", UNSET))

        def _parse_headers(data: object) -> EndpointTransformationPreviewHeadersType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                headers_type_0 = EndpointTransformationPreviewHeadersType0.from_dict(data)

                return headers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EndpointTransformationPreviewHeadersType0 | None | Unset, data)

        headers = _parse_headers(d.pop("headers", UNSET))

        def _parse_message_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        message_id = _parse_message_id(d.pop("message_id", UNSET))

        payload = d.pop("payload", UNSET)

        endpoint_transformation_preview = cls(
            expression=expression,
            headers=headers,
            message_id=message_id,
            payload=payload,
        )

        return endpoint_transformation_preview
