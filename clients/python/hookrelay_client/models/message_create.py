from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.message_create_payload import MessageCreatePayload


T = TypeVar("T", bound="MessageCreate")


@_attrs_define
class MessageCreate:
    """An event to publish. ``event_id`` makes the publish idempotent per tenant; ``ordering_key`` puts it in order behind
    the earlier messages of that key on the endpoints with ordered delivery (without one, it is its own key).

        Attributes:
            event_type (str):
            payload (MessageCreatePayload):
            channels (list[str] | None | Unset):
            event_id (None | str | Unset):
            ordering_key (None | str | Unset):
    """

    event_type: str
    payload: MessageCreatePayload
    channels: list[str] | None | Unset = UNSET
    event_id: None | str | Unset = UNSET
    ordering_key: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        event_type = self.event_type

        payload = self.payload.to_dict()

        channels: list[str] | None | Unset
        if isinstance(self.channels, Unset):
            channels = UNSET
        elif isinstance(self.channels, list):
            channels = self.channels

        else:
            channels = self.channels

        event_id: None | str | Unset
        if isinstance(self.event_id, Unset):
            event_id = UNSET
        else:
            event_id = self.event_id

        ordering_key: None | str | Unset
        if isinstance(self.ordering_key, Unset):
            ordering_key = UNSET
        else:
            ordering_key = self.ordering_key

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "event_type": event_type,
                "payload": payload,
            }
        )
        if channels is not UNSET:
            field_dict["channels"] = channels
        if event_id is not UNSET:
            field_dict["event_id"] = event_id
        if ordering_key is not UNSET:
            field_dict["ordering_key"] = ordering_key

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.message_create_payload import MessageCreatePayload  # noqa: PLC0415

        d = dict(src_dict)
        event_type = d.pop("event_type")

        payload = MessageCreatePayload.from_dict(d.pop("payload"))

        def _parse_channels(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                channels_type_0 = cast(list[str], data)

                return channels_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        channels = _parse_channels(d.pop("channels", UNSET))

        def _parse_event_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        event_id = _parse_event_id(d.pop("event_id", UNSET))

        def _parse_ordering_key(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        ordering_key = _parse_ordering_key(d.pop("ordering_key", UNSET))

        message_create = cls(
            event_type=event_type,
            payload=payload,
            channels=channels,
            event_id=event_id,
            ordering_key=ordering_key,
        )

        return message_create
