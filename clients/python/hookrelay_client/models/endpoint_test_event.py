from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.endpoint_test_event_payload_type_0 import EndpointTestEventPayloadType0


T = TypeVar("T", bound="EndpointTestEvent")


@_attrs_define
class EndpointTestEvent:
    """A test event: the type (default: the endpoint's first exact subscription, else ``hookrelay.test``) and the payload
    (default: the type's example).

        Attributes:
            event_type (None | str | Unset):
            payload (EndpointTestEventPayloadType0 | None | Unset):
    """

    event_type: None | str | Unset = UNSET
    payload: EndpointTestEventPayloadType0 | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.endpoint_test_event_payload_type_0 import EndpointTestEventPayloadType0  # noqa: PLC0415

        event_type: None | str | Unset
        if isinstance(self.event_type, Unset):
            event_type = UNSET
        else:
            event_type = self.event_type

        payload: dict[str, Any] | None | Unset
        if isinstance(self.payload, Unset):
            payload = UNSET
        elif isinstance(self.payload, EndpointTestEventPayloadType0):
            payload = self.payload.to_dict()
        else:
            payload = self.payload

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if event_type is not UNSET:
            field_dict["event_type"] = event_type
        if payload is not UNSET:
            field_dict["payload"] = payload

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.endpoint_test_event_payload_type_0 import EndpointTestEventPayloadType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_event_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        event_type = _parse_event_type(d.pop("event_type", UNSET))

        def _parse_payload(data: object) -> EndpointTestEventPayloadType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                payload_type_0 = EndpointTestEventPayloadType0.from_dict(data)

                return payload_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(EndpointTestEventPayloadType0 | None | Unset, data)

        payload = _parse_payload(d.pop("payload", UNSET))

        endpoint_test_event = cls(
            event_type=event_type,
            payload=payload,
        )

        return endpoint_test_event
