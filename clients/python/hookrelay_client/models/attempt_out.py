from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.attempt_out_request_headers_type_0 import AttemptOutRequestHeadersType0
    from ..models.attempt_out_response_headers_type_0 import AttemptOutResponseHeadersType0


T = TypeVar("T", bound="AttemptOut")


@_attrs_define
class AttemptOut:
    """
    Attributes:
        attempt_number (int):
        created_at (datetime.datetime):
        delivery_id (str):
        duration_ms (int):
        endpoint_id (str):
        error_detail (None | str):
        error_kind (None | str):
        id (str):
        message_id (str):
        response_body (str):
        status (str):
        status_code (int | None):
        trigger (str):
        endpoint_deleted (bool | Unset):  Default: False.
        request_body (None | str | Unset):
        request_headers (AttemptOutRequestHeadersType0 | None | Unset):
        response_headers (AttemptOutResponseHeadersType0 | None | Unset):
    """

    attempt_number: int
    created_at: datetime.datetime
    delivery_id: str
    duration_ms: int
    endpoint_id: str
    error_detail: None | str
    error_kind: None | str
    id: str
    message_id: str
    response_body: str
    status: str
    status_code: int | None
    trigger: str
    endpoint_deleted: bool | Unset = False
    request_body: None | str | Unset = UNSET
    request_headers: AttemptOutRequestHeadersType0 | None | Unset = UNSET
    response_headers: AttemptOutResponseHeadersType0 | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.attempt_out_request_headers_type_0 import AttemptOutRequestHeadersType0  # noqa: PLC0415
        from ..models.attempt_out_response_headers_type_0 import AttemptOutResponseHeadersType0  # noqa: PLC0415

        attempt_number = self.attempt_number

        created_at = self.created_at.isoformat()

        delivery_id = self.delivery_id

        duration_ms = self.duration_ms

        endpoint_id = self.endpoint_id

        error_detail: None | str
        error_detail = self.error_detail

        error_kind: None | str
        error_kind = self.error_kind

        id = self.id

        message_id = self.message_id

        response_body = self.response_body

        status = self.status

        status_code: int | None
        status_code = self.status_code

        trigger = self.trigger

        endpoint_deleted = self.endpoint_deleted

        request_body: None | str | Unset
        if isinstance(self.request_body, Unset):
            request_body = UNSET
        else:
            request_body = self.request_body

        request_headers: dict[str, Any] | None | Unset
        if isinstance(self.request_headers, Unset):
            request_headers = UNSET
        elif isinstance(self.request_headers, AttemptOutRequestHeadersType0):
            request_headers = self.request_headers.to_dict()
        else:
            request_headers = self.request_headers

        response_headers: dict[str, Any] | None | Unset
        if isinstance(self.response_headers, Unset):
            response_headers = UNSET
        elif isinstance(self.response_headers, AttemptOutResponseHeadersType0):
            response_headers = self.response_headers.to_dict()
        else:
            response_headers = self.response_headers

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempt_number": attempt_number,
                "created_at": created_at,
                "delivery_id": delivery_id,
                "duration_ms": duration_ms,
                "endpoint_id": endpoint_id,
                "error_detail": error_detail,
                "error_kind": error_kind,
                "id": id,
                "message_id": message_id,
                "response_body": response_body,
                "status": status,
                "status_code": status_code,
                "trigger": trigger,
            }
        )
        if endpoint_deleted is not UNSET:
            field_dict["endpoint_deleted"] = endpoint_deleted
        if request_body is not UNSET:
            field_dict["request_body"] = request_body
        if request_headers is not UNSET:
            field_dict["request_headers"] = request_headers
        if response_headers is not UNSET:
            field_dict["response_headers"] = response_headers

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.attempt_out_request_headers_type_0 import AttemptOutRequestHeadersType0  # noqa: PLC0415
        from ..models.attempt_out_response_headers_type_0 import AttemptOutResponseHeadersType0  # noqa: PLC0415

        d = dict(src_dict)
        attempt_number = d.pop("attempt_number")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        delivery_id = d.pop("delivery_id")

        duration_ms = d.pop("duration_ms")

        endpoint_id = d.pop("endpoint_id")

        def _parse_error_detail(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error_detail = _parse_error_detail(d.pop("error_detail"))

        def _parse_error_kind(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        error_kind = _parse_error_kind(d.pop("error_kind"))

        id = d.pop("id")

        message_id = d.pop("message_id")

        response_body = d.pop("response_body")

        status = d.pop("status")

        def _parse_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        status_code = _parse_status_code(d.pop("status_code"))

        trigger = d.pop("trigger")

        endpoint_deleted = d.pop("endpoint_deleted", UNSET)

        def _parse_request_body(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        request_body = _parse_request_body(d.pop("request_body", UNSET))

        def _parse_request_headers(data: object) -> AttemptOutRequestHeadersType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                request_headers_type_0 = AttemptOutRequestHeadersType0.from_dict(data)

                return request_headers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AttemptOutRequestHeadersType0 | None | Unset, data)

        request_headers = _parse_request_headers(d.pop("request_headers", UNSET))

        def _parse_response_headers(data: object) -> AttemptOutResponseHeadersType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                response_headers_type_0 = AttemptOutResponseHeadersType0.from_dict(data)

                return response_headers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(AttemptOutResponseHeadersType0 | None | Unset, data)

        response_headers = _parse_response_headers(d.pop("response_headers", UNSET))

        attempt_out = cls(
            attempt_number=attempt_number,
            created_at=created_at,
            delivery_id=delivery_id,
            duration_ms=duration_ms,
            endpoint_id=endpoint_id,
            error_detail=error_detail,
            error_kind=error_kind,
            id=id,
            message_id=message_id,
            response_body=response_body,
            status=status,
            status_code=status_code,
            trigger=trigger,
            endpoint_deleted=endpoint_deleted,
            request_body=request_body,
            request_headers=request_headers,
            response_headers=response_headers,
        )

        attempt_out.additional_properties = d
        return attempt_out

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
