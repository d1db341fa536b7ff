from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.attempt_out import AttemptOut
    from ..models.delivery_out import DeliveryOut
    from ..models.inbound_event_detail_headers import InboundEventDetailHeaders
    from ..models.inbound_event_out import InboundEventOut


T = TypeVar("T", bound="InboundEventDetail")


@_attrs_define
class InboundEventDetail:
    """
    Attributes:
        attempts (list[AttemptOut]):
        body (None | str):
        body_encoding (str):
        deliveries (list[DeliveryOut]):
        event (InboundEventOut):
        headers (InboundEventDetailHeaders):
        verification (str):
    """

    attempts: list[AttemptOut]
    body: None | str
    body_encoding: str
    deliveries: list[DeliveryOut]
    event: InboundEventOut
    headers: InboundEventDetailHeaders
    verification: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = []
        for attempts_item_data in self.attempts:
            attempts_item = attempts_item_data.to_dict()
            attempts.append(attempts_item)

        body: None | str
        body = self.body

        body_encoding = self.body_encoding

        deliveries = []
        for deliveries_item_data in self.deliveries:
            deliveries_item = deliveries_item_data.to_dict()
            deliveries.append(deliveries_item)

        event = self.event.to_dict()

        headers = self.headers.to_dict()

        verification = self.verification

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "body": body,
                "body_encoding": body_encoding,
                "deliveries": deliveries,
                "event": event,
                "headers": headers,
                "verification": verification,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.attempt_out import AttemptOut  # noqa: PLC0415
        from ..models.delivery_out import DeliveryOut  # noqa: PLC0415
        from ..models.inbound_event_detail_headers import InboundEventDetailHeaders  # noqa: PLC0415
        from ..models.inbound_event_out import InboundEventOut  # noqa: PLC0415

        d = dict(src_dict)
        attempts = []
        _attempts = d.pop("attempts")
        for attempts_item_data in _attempts:
            attempts_item = AttemptOut.from_dict(attempts_item_data)

            attempts.append(attempts_item)

        def _parse_body(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        body = _parse_body(d.pop("body"))

        body_encoding = d.pop("body_encoding")

        deliveries = []
        _deliveries = d.pop("deliveries")
        for deliveries_item_data in _deliveries:
            deliveries_item = DeliveryOut.from_dict(deliveries_item_data)

            deliveries.append(deliveries_item)

        event = InboundEventOut.from_dict(d.pop("event"))

        headers = InboundEventDetailHeaders.from_dict(d.pop("headers"))

        verification = d.pop("verification")

        inbound_event_detail = cls(
            attempts=attempts,
            body=body,
            body_encoding=body_encoding,
            deliveries=deliveries,
            event=event,
            headers=headers,
            verification=verification,
        )

        inbound_event_detail.additional_properties = d
        return inbound_event_detail

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
